"""Load test: wrk against `make serve` on loopback, over the list, a search, a proposal page and a
CSV export. Run by `make bench` after it has filled the bench database; on its own:

    .venv/bin/python scripts/loadtest.py --database-url postgres://postgres@127.0.0.1/ceasefire_bench

It starts `make serve` with production settings on a free port, waits for /healthz, warms it up
with the same load for WARMUP seconds (not counted: each new worker connects to the database,
compiles its templates and fills its own page cache first, which a server that has been running
has done), then runs wrk with CONNECTIONS connections for DURATION seconds, cycling through the
four addresses, and reports
requests per second, p50 and p99 latency and errors as wrk measured them, then per address the
server's own time from gunicorn's access log. The figures go into bench-results.json as "load".
"""

import argparse
import sys

from benchlib import Server, mix_paths, percentile, run_wrk, save, verdict, wrk_script

GOAL_RPS = 330
GOAL_P99_MS = 250


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30, help="seconds")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load not counted")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--output", default="bench-results.json")
    args = parser.parse_args()

    with Server(args.database_url) as server:
        paths = mix_paths(server.port)
        workers = server.booted_workers()
        script = wrk_script(server.work, list(paths.values()))
        if args.warmup:
            run_wrk(
                server.port,
                script,
                connections=args.connections,
                threads=args.threads,
                duration=args.warmup,
            )
        log_start = server.log_size()
        print(
            f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} s "
            f"after {args.warmup} s of warm-up, "
            f"against make serve ({workers} gunicorn workers) on 127.0.0.1:{server.port}",
            flush=True,
        )
        measured = run_wrk(
            server.port,
            script,
            connections=args.connections,
            threads=args.threads,
            duration=args.duration,
        )
        served: dict[str, list] = {path: [] for path in paths.values()}
        for match in server.access_lines(log_start):
            if match["path"] in served:
                served[match["path"]].append((int(match["status"]), int(match["ms"])))

    errors = measured["errors"]
    report = {
        "connections": args.connections,
        "threads": args.threads,
        "warmup_seconds": args.warmup,
        "workers": workers,
        **measured,
        "paths": {},
        "goal": f">= {GOAL_RPS} req/s, p99 < {GOAL_P99_MS} ms, no errors",
        "meets_goal": measured["requests_per_second"] >= GOAL_RPS
        and measured["p99_ms"] < GOAL_P99_MS
        and errors == 0,
    }
    print(f"\n{'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
    print(
        f"{report['requests']:>9} {report['requests_per_second']:>8} {report['p50_ms']:>8} "
        f"{report['p99_ms']:>8} {report['max_ms']:>8} {errors:>7}"
    )
    print(f"Goal {report['goal']}: {verdict(report['meets_goal'])}")
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

    save(args.output, "load", report)
    print(f"\nAdded to {args.output}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
