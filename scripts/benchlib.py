"""What the benchmark scripts share: `make serve` on a free port, wrk, memory, the results file.

Used by loadtest.py, bench_servers.py and bench_datasette.py (run by `make bench`), which import it
from their own folder.
"""

from __future__ import annotations

import ast
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# `make serve` sits behind a TLS-terminating proxy, which says so in this header (README).
HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}

# wrk's request and summary hooks. `request` takes the next address: cycling through them all
# (the mix of a load test), or walking through them once, each thread its own share (pages that
# must not repeat, so that none is served from a cache).
LUA = """
local paths = %(paths)s
local headers = %(headers)s
local threads = 0
local n = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
request = function()
  local i
  if %(walk)s then
    i = id + n * %(threads)d + 1
  else
    i = n %% #paths + 1
  end
  n = n + 1
  return wrk.format("GET", paths[(i - 1) %% #paths + 1], headers)
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

ACCESS_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms'
    r"(?:.* <(?P<pid>\d+)>$)?"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
) -> Response:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=HEADERS | (headers or {}))
        response = connection.getresponse()
        return Response(response.status, response.msg, response.read())
    finally:
        connection.close()


def get(port: int, path: str) -> tuple[int, str]:
    response = fetch(port, path, timeout=30)
    return response.status, response.text


def wait_until_up(port: int, path: str, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            sys.exit(f"{what} stopped:\n{log.read_text()}")
        try:
            if fetch(port, path, timeout=5).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"{what} did not answer:\n{log.read_text()}")
        time.sleep(0.5)


def access_log_format() -> str:
    """gunicorn's access log format, as config/gunicorn.conf.py sets it (read, not imported)."""
    module = ast.parse((BASE_DIR / "config" / "gunicorn.conf.py").read_text())
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "access_log_format"
            for target in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError("config/gunicorn.conf.py sets no access_log_format")


class Server:
    """`make serve` with production settings on a free port, its log in a folder of its own.

    `recycle=False` keeps gunicorn from replacing its workers every 2,000 requests or so, and
    every access log line then ends with the worker's pid, so that each worker's memory can be
    read after a known number of requests.
    """

    def __init__(
        self, database_url: str, *, env: dict[str, str] | None = None, recycle: bool = True
    ) -> None:
        self.port = free_port()
        self.work = Path(tempfile.mkdtemp(prefix="ceasefire-bench-"))
        self.log = self.work / "serve.log"
        self.recycle = recycle
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_URL", "WHITENOISE_", "GUNICORN_"))
            and key not in {"CACHE_URL", "API_THROTTLE_RATE", "WEB_CONCURRENCY"}
        } | {
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_STATIC_ROOT": str(self.work / "static"),
        }
        if not recycle:
            self.env["GUNICORN_CMD_ARGS"] = shlex.join(
                ["--max-requests", "0", "--access-logformat", access_log_format() + " %(p)s"]
            )
        self.env |= env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve", f"PORT={self.port}"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self) -> None:
        wait_until_up(self.port, "/healthz", self.process, self.log, "make serve")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self) -> Server:
        self.start()
        self.wait()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_size(self) -> int:
        return self.log.stat().st_size

    def access_lines(self, start: int = 0) -> list[re.Match]:
        with self.log.open() as lines:
            lines.seek(start)
            return [match for line in lines if (match := ACCESS_LINE.search(line.rstrip()))]

    def booted_workers(self) -> int:
        return len(re.findall(r"Booting worker with pid", self.log.read_text()))

    def workers(self) -> list[int]:
        """The pids of gunicorn's workers: the children of its master, make's child."""
        masters = children(self.process.pid)
        return [pid for master in masters for pid in children(master)]

    def worker_memory(self) -> list[dict]:
        """Each worker's resident memory and how many requests it has served (needs
        recycle=False, which puts the pid in the access log)."""
        served: dict[int, int] = {}
        for match in self.access_lines():
            if match["pid"]:
                served[int(match["pid"])] = served.get(int(match["pid"]), 0) + 1
        return [
            {"pid": pid, "requests": served.get(pid, 0), "rss_mb": rss_mb(pid)}
            for pid in sorted(self.workers())
        ]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name (in parentheses) may hold spaces: the parent pid follows it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1))
    return round(kilobytes / 1024, 1)


def wrk_script(
    folder: Path,
    paths: list[str],
    *,
    walk: bool = False,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> Path:
    script = folder / f"wrk-{secrets.token_hex(4)}.lua"
    lua_headers = ", ".join(
        f"[{json.dumps(name)}] = {json.dumps(value)}"
        for name, value in (HEADERS | (headers or {})).items()
    )
    values = {
        "paths": "{" + ", ".join(json.dumps(path) for path in paths) + "}",
        "headers": "{" + lua_headers + "}",
        "walk": "true" if walk else "false",
        "threads": threads,
    }
    script.write_text(LUA % values)
    return script


def start_wrk(
    port: int, script: Path, *, connections: int, threads: int, duration: int
) -> subprocess.Popen:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("bench: wrk is not installed (Debian and Ubuntu: apt-get install wrk).")
    return subprocess.Popen(
        [
            wrk,
            f"--connections={connections}",
            f"--threads={threads}",
            f"--duration={duration}s",
            "--timeout=30s",
            f"--script={script}",
            f"http://{HOST}:{port}/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wrk_report(process: subprocess.Popen) -> dict:
    """wrk's own figures: requests per second, latency percentiles, errors."""
    stdout, stderr = process.communicate()
    if process.returncode != 0 or "LOADTEST " not in stdout:
        sys.exit(f"bench: wrk failed:\n{stdout}\n{stderr}")
    summary = json.loads(stdout.split("LOADTEST ", 1)[1].splitlines()[0])
    seconds = summary["duration_us"] / 1e6
    return {
        "seconds": round(seconds, 1),
        "requests": summary["requests"],
        "requests_per_second": round(summary["requests"] / seconds, 1),
        "p50_ms": round(summary["p50_us"] / 1000, 1),
        "p90_ms": round(summary["p90_us"] / 1000, 1),
        "p99_ms": round(summary["p99_us"] / 1000, 1),
        "max_ms": round(summary["max_us"] / 1000, 1),
        "errors": sum(summary["errors"].values()),
        "error_kinds": summary["errors"],
        "megabytes": round(summary["bytes"] / 1e6, 1),
    }


def run_wrk(
    port: int,
    script: Path,
    *,
    connections: int,
    threads: int,
    duration: int,
) -> dict:
    process = start_wrk(port, script, connections=connections, threads=threads, duration=duration)
    return wrk_report(process)


def percentile(values: list[float], fraction: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def mix_paths(port: int) -> dict[str, str]:
    """The load test's mix: the list, a search, a proposal page and a CSV export."""
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
            sys.exit(f"bench: {name} {path} answered {status}")
    return paths


def empty_cache(url: str) -> None:
    """Empty the Redis database of CACHE_URL, which must be one of its own (not db 0)."""
    client = redis.Redis.from_url(url)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        sys.exit(f"bench: give the cache a Redis database of its own (not 0), e.g. /7: {url}")
    try:
        client.flushdb()
    except redis.RedisError as error:
        sys.exit(f"bench: cannot reach Redis at {url}: {error}")
    finally:
        client.close()


def save(output: str | Path, key: str, report: dict) -> None:
    """Put `report` under `key` in the results file, keeping what the other steps wrote."""
    path = Path(output)
    results = json.loads(path.read_text()) if path.exists() else {}
    results[key] = report
    path.write_text(json.dumps(results, indent=2) + "\n")


def save_memory(output: str | Path, run: str, report: dict, goal_mb: float) -> None:
    """Add one run's workers to "memory", whose maximum the goal is judged on."""
    path = Path(output)
    results = json.loads(path.read_text()) if path.exists() else {}
    memory = results.get("memory") or {"runs": {}}
    memory["runs"][run] = report
    memory["goal_mb"] = goal_mb
    memory["max_worker_rss_mb"] = max(
        worker["rss_mb"] for each in memory["runs"].values() for worker in each["workers"]
    )
    memory["meets_goal"] = memory["max_worker_rss_mb"] < goal_mb
    results["memory"] = memory
    path.write_text(json.dumps(results, indent=2) + "\n")


def print_memory(report: dict, goal_mb: float) -> None:
    print(f"\nMemory of each gunicorn worker (VmRSS), {report['servers']}:")
    print(f"{'server':32} {'pid':>8} {'requests':>9} {'RSS MB':>7}")
    for worker in report["workers"]:
        print(
            f"{worker['server']:32} {worker['pid']:>8} {worker['requests']:>9} "
            f"{worker['rss_mb']:>7}"
        )
    top = max(worker["rss_mb"] for worker in report["workers"])
    print(f"Goal: every worker < {goal_mb} MB: {verdict(top < goal_mb)} (max {top} MB)")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"
