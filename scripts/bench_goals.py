"""The goals of the benchmark beside this run's figures, from bench-results.json: the last step of
`make bench`. It exits with 1 when a step is missing or counted errors or stale responses (a
broken run); a goal not met is reported, not an error.
"""

import json
import sys
from pathlib import Path

from benchlib import verdict

COLD_GOAL_MS = 50  # a page rendered with every cache empty, on PostgreSQL


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-results.json")
    results = json.loads(path.read_text())
    missing = [key for key in ("load", "servers", "memory", "datasette") if key not in results]
    rows = []
    if "pages" in results:  # manage.py bench on PostgreSQL
        pages = [page for page in results["pages"] if not page["page"].startswith("workspace")]
        slow = [page for page in pages if page["p50_uncached_ms"] >= COLD_GOAL_MS]
        over = ", ".join(f"{page['page']} {page['p50_uncached_ms']:.0f}" for page in slow)
        rows.append(
            (
                f"readers' pages, every cache cold: p50 < {COLD_GOAL_MS} ms",
                f"{len(pages) - len(slow)} of {len(pages)} pages"
                + (f"; over: {over}" if slow else ""),
                not slow,
            )
        )
        analysts = [page for page in results["pages"] if page["page"].startswith("workspace")]
        if analysts:
            rows.append(
                (
                    f"analysts' workspace, every cache cold: p50 < {COLD_GOAL_MS} ms",
                    ", ".join(
                        f"{page['page']} {page['p50_uncached_ms']:.0f} ms" for page in analysts
                    ),
                    all(page["p50_uncached_ms"] < COLD_GOAL_MS for page in analysts),
                )
            )
    if "datasette" in results:
        for row in results["datasette"]["comparisons"]:
            if row["goal_ratio"] is not None:
                rows.append(
                    (
                        f"{row['what']}: >= {row['goal_ratio']}x Datasette",
                        f"{row['ours']} vs {row['datasette']} {row['unit']} = {row['ratio']}x",
                        row["meets_goal"],
                    )
                )
    for key, name in [("load", "load test, one server"), ("servers", "two servers, one Redis")]:
        if key in results:
            load = results[key]
            rows.append(
                (
                    f"{name}: {load['goal']}",
                    f"{load['requests_per_second']} req/s, p99 {load['p99_ms']} ms, "
                    f"{load['errors']} errors"
                    + (
                        f", {load['analyst']['stale']} stale, {load['analyst']['errors']} "
                        "errors in the analyst's reads"
                        if "analyst" in load
                        else ""
                    ),
                    load["meets_goal"],
                )
            )
    if "memory" in results:
        memory = results["memory"]
        most = max(
            worker["requests"] for run in memory["runs"].values() for worker in run["workers"]
        )
        rows.append(
            (
                f"worker memory (VmRSS): < {memory['goal_mb']} MB",
                f"max {memory['max_worker_rss_mb']} MB (the busiest worker served {most} requests)",
                memory["meets_goal"],
            )
        )

    reference = results.get("machine_reference", {}).get("python_loop_10m_seconds")
    if reference is not None:
        print(f"\nMachine reference: a 10-million-step Python loop took {reference} s.")
    print("\nGoals (this run's figures; other work may change them):")
    width = max(len(goal) for goal, _, _ in rows) if rows else 0
    for goal, figure, met in rows:
        print(f"  {goal:{width}}  {verdict(met):7}  {figure}")
    broken = missing + [
        key
        for key in ("load", "servers")
        if key in results
        and (
            results[key]["errors"]
            or results[key].get("analyst", {}).get("stale")
            or results[key].get("analyst", {}).get("errors")
        )
    ]
    if broken:
        print(f"\nThe run is incomplete or counted errors: {', '.join(broken)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
