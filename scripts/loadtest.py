"""Load test: wrk against `make serve` on loopback, over the list, a search, a proposal page and a
CSV export. Run by `make bench` after it has filled the bench database; on its own:

    .venv/bin/python scripts/loadtest.py --database-url postgres://postgres@127.0.0.1/ceasefire_bench

It starts `make serve` with production settings on a free port, waits for /healthz, runs wrk with
CONNECTIONS connections for DURATION seconds, cycling through the four addresses, and reports
requests per second, p50 and p99 latency and errors as wrk measured them, then per address the
server's own time from gunicorn's access log. The figures go into bench-results.json as "load".
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

LUA = """
local paths = %(paths)s
local headers = {["Host"] = "%(host)s", ["X-Forwarded-Proto"] = "https"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p90_us": %%d, '
    .. '"p99_us": %%d, "max_us": %%d, "errors": {"connect": %%d, "read": %%d, "write": %%d, '
    .. '"timeout": %%d, "status": %%d}}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""

ACCESS_LINE = re.compile(r'"GET (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, body


def percentile(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30, help="seconds")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--output", default="bench-results.json")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("loadtest: wrk is not installed (Debian and Ubuntu: apt-get install wrk).")

    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="ceasefire-load-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "WHITENOISE_"))
    } | {
        "DATABASE_URL": args.database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_STATIC_ROOT": str(work / "static"),
    }
    log = work / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            if server.poll() is not None:
                sys.exit(f"loadtest: make serve stopped:\n{log.read_text()}")
            try:
                if get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"loadtest: make serve did not answer:\n{log.read_text()}")
            time.sleep(0.5)

        status, listing = get(port, "/proposals/")
        slug = re.search(r'href="/proposals/([a-z0-9-]+)/"', listing).group(1)
        paths = {
            "list": "/proposals/",
            "search": "/proposals/?q=drones+black+sea",
            "proposal": f"/proposals/{slug}/",
            "csv export": "/export/proposals.csv?status=agreed&layer=naval",
        }
        for name, path in paths.items():
            status, body = get(port, path)
            if status != 200:
                sys.exit(f"loadtest: {name} {path} answered {status}")

        workers = len(re.findall(r"Booting worker with pid", log.read_text()))
        script = work / "load.lua"
        lua_paths = "{" + ", ".join(json.dumps(path) for path in paths.values()) + "}"
        script.write_text(LUA % {"paths": lua_paths, "host": HOST})
        log_start = log.stat().st_size
        print(
            f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s, "
            f"against make serve ({workers} gunicorn workers) on 127.0.0.1:{port}",
            flush=True,
        )
        result = subprocess.run(
            [
                wrk,
                f"--connections={args.connections}",
                f"--threads={args.threads}",
                f"--duration={args.duration}s",
                "--timeout=30s",
                f"--script={script}",
                f"http://{HOST}:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    summary = json.loads(result.stdout.split("LOADTEST ", 1)[1].splitlines()[0])
    errors = sum(summary["errors"].values())
    seconds = summary["duration_us"] / 1e6
    served: dict[str, list] = {path: [] for path in paths.values()}
    with log.open() as lines:
        lines.seek(log_start)
        for line in lines:
            if (match := ACCESS_LINE.search(line)) and match["path"] in served:
                served[match["path"]].append((int(match["status"]), int(match["ms"])))

    report = {
        "connections": args.connections,
        "threads": args.threads,
        "seconds": round(seconds, 1),
        "workers": workers,
        "requests": summary["requests"],
        "requests_per_second": round(summary["requests"] / seconds, 1),
        "p50_ms": round(summary["p50_us"] / 1000, 1),
        "p90_ms": round(summary["p90_us"] / 1000, 1),
        "p99_ms": round(summary["p99_us"] / 1000, 1),
        "max_ms": round(summary["max_us"] / 1000, 1),
        "errors": errors,
        "error_kinds": summary["errors"],
        "megabytes": round(summary["bytes"] / 1e6, 1),
        "paths": {},
    }
    print(f"\n{'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    print(
        f"{report['requests']:>9} {report['requests_per_second']:>8} {report['p50_ms']:>8} "
        f"{report['p99_ms']:>8} {report['max_ms']:>8} {errors:>7}"
    )
    print("\nServer time per address, from gunicorn's access log:")
    print(f"{'':12}{'path':52} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-200':>7}")
    for name, path in paths.items():
        timings = [ms for _, ms in served[path]]
        not_ok = sum(1 for status, _ in served[path] if status != 200)
        row = {
            "path": path,
            "requests": len(timings),
            "p50_ms": percentile(timings, 0.5) if timings else None,
            "p99_ms": percentile(timings, 0.99) if timings else None,
            "non_200": not_ok,
        }
        report["paths"][name] = row
        print(
            f"{name:12}{path:52} {row['requests']:>8} {row['p50_ms']:>7} {row['p99_ms']:>7} "
            f"{not_ok:>7}"
        )

    output = Path(args.output)
    results = json.loads(output.read_text()) if output.exists() else {}
    results["load"] = report
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nAdded to {output}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
