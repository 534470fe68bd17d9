"""Ceasefire Monitor beside Datasette, serving the same SQLite file at the same time. Run by
`make bench`; on its own:

    .venv/bin/python scripts/bench_datasette.py --cache-url redis://127.0.0.1:6379/7 --duration 20

It installs Datasette (DATASETTE_VERSION) in a virtual environment of its own, var/datasette-venv,
and builds var/bench.sqlite3 with migrate, seed and demo_data (10,000 demo proposals); both are
reused when already there. Then it starts `make serve` on that file (production settings, its
cache in the Redis database CACHE_URL, emptied first) and `datasette serve --immutable` on it, and
measures, each side for the same time, in turns (ROUNDS of them, so that a busy moment of the
machine falls on both sides alike) while both run:

- proposal pages, a different one on every request and none twice, so none comes from a cache:
  ours /proposals/demo-NNNNNN/ and Datasette's row page /bench/proposals_proposal/ID, wrk -c8;
- the list filtered by status, wrk -c8: our /proposals/?status=under_discussion as readers get it
  (from the page cache: wrk repeats one address) and rendered every time (a session cookie, which
  the page cache never serves), and Datasette's table page with the same filter as it comes (100
  rows, suggested facets) and at its lightest (25 rows like ours, `_nosuggest=1`);
- the layers as CSV, every row (about 30,000), rows/s over a few full downloads each, taken in
  turns: our /export/layers.csv computed (the cache emptied first) and then from its cached
  blocks; Datasette's canned query with the same columns, rows and order as ours; Datasette's
  table as CSV with its foreign keys labelled (its own columns, no contributors); and, as the
  limit, the same query through Python's sqlite3 into csv.writer, with no server at all.

Datasette opens the file `--immutable`: nothing writes to it during the run, so Datasette may skip
its checks for changes and count a table once; that is its fastest way to publish a file. It also
gets max_returned_rows 40,000 (its canned query returns every layer in one response, and its
streamed table pages are that large) and sql_time_limit_ms 10,000 (so that a slow query on a busy
machine is slow, not an error). Our workers are not recycled (--max-requests 0), so that their
memory can be read at the end. The figures go to bench-results.json as "datasette", and our
workers' memory to "memory".
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    BASE_DIR,
    HOST,
    Server,
    empty_cache,
    fetch,
    free_port,
    print_memory,
    rss_mb,
    run_wrk,
    save,
    save_memory,
    verdict,
    wait_until_up,
    wrk_script,
)

DATASETTE_VERSION = "0.65.5"
VENV = BASE_DIR / "var" / "datasette-venv"
DATABASE = BASE_DIR / "var" / "bench.sqlite3"
DEMO_PROPOSALS = 10_000
WARM_UP_SLUGS = 200  # proposals used to warm the servers up, then left out of the walk
GOALS = {"list": 10, "csv": 4, "proposal": 1.5}  # how many times Datasette's figure
GOAL_RSS_MB = 150

# What /export/layers.csv holds, for Datasette's canned query: the same columns, rows and order,
# lists in a cell joined with "; " and times in ISO 8601 UTC, as in the export (CONTRACT.md).
LAYERS_SQL = """
select
  p.slug as proposal_slug,
  k.slug as kind,
  l.description,
  l.area,
  replace(trim(l.assets), char(10), '; ') as assets,
  (
    select group_concat(name, '; ') from (
      select a.name from proposals_layer_contributors c
      join proposals_actor a on a.id = c.actor_id
      where c.layer_id = l.id order by a.name
    )
  ) as contributors,
  strftime('%Y-%m-%dT%H:%M:%SZ', l.updated_at) as updated_at
from proposals_layer l
join proposals_proposal p on p.id = l.proposal_id
join proposals_layerkind k on k.id = l.kind_id
where p.is_published
order by p.slug, k.display_order, k.slug
"""


def ensure_datasette() -> Path:
    datasette = VENV / "bin" / "datasette"
    if datasette.exists():
        version = subprocess.run([datasette, "--version"], capture_output=True, text=True).stdout
        if version.split()[-1:] == [DATASETTE_VERSION]:
            return datasette
    print(f"Installing Datasette {DATASETTE_VERSION} in {VENV.relative_to(BASE_DIR)}", flush=True)
    subprocess.run(["python3", "-m", "venv", VENV], check=True)
    subprocess.run(
        [VENV / "bin" / "pip", "install", "--quiet", f"datasette=={DATASETTE_VERSION}"], check=True
    )
    return datasette


def demo_proposals() -> list[tuple[int, str]]:
    """The demo proposals on file, as (id, slug), in the order of their slugs."""
    if not DATABASE.exists():
        return []
    with closing(sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)) as connection:
        try:
            return connection.execute(
                "select id, slug from proposals_proposal"
                " where slug like 'demo-%' and is_published order by slug"
            ).fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []


def ensure_database() -> list[tuple[int, str]]:
    proposals = demo_proposals()
    if len(proposals) < DEMO_PROPOSALS:
        print(f"Building {DATABASE.relative_to(BASE_DIR)}", flush=True)
        env = os.environ | {"DATABASE_URL": f"sqlite:///{DATABASE}"}
        manage = [sys.executable, "manage.py"]
        for command in (
            ["migrate", "--noinput", "--verbosity", "0"],
            ["seed"],
            ["demo_data", "--proposals", str(DEMO_PROPOSALS - len(proposals))],
        ):
            subprocess.run(manage + command, cwd=BASE_DIR, env=env, check=True)
        proposals = demo_proposals()
    return proposals


def checkpoint() -> None:
    """Fold the write-ahead log into the file, which Datasette then reads as immutable."""
    with closing(sqlite3.connect(DATABASE)) as connection:
        connection.execute("pragma wal_checkpoint(truncate)")


class Datasette:
    def __init__(self, executable: Path, work: Path) -> None:
        self.port = free_port()
        self.log = work / "datasette.log"
        metadata = work / "metadata.json"
        queries = {"layers_export": {"sql": LAYERS_SQL, "title": "Layers, as /export/layers.csv"}}
        metadata.write_text(json.dumps({"databases": {"bench": {"queries": queries}}}))
        command = [executable, "serve", "--immutable", DATABASE, "--host", HOST]
        command += ["--port", str(self.port), "--metadata", metadata]
        for name, value in [
            ("num_sql_threads", 3),
            ("max_returned_rows", 40_000),
            ("sql_time_limit_ms", 10_000),
        ]:
            command += ["--setting", name, str(value)]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until_up(self.port, "/-/versions.json", self.process, self.log, "datasette")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def download(port: int, path: str) -> dict:
    """One full download, timed from the request to the last byte; its CSV records counted
    afterwards (a cell may hold line breaks, so lines are not rows)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    header = next(reader, [])
    rows = sum(1 for _ in reader)
    return {
        "status": response.status,
        "rows": rows,
        "columns": header,
        "seconds": seconds,
        "megabytes": round(len(body) / 1e6, 1),
    }


def raw_export(repeat: int) -> dict:
    """The layers through Python's sqlite3 into csv.writer: no server, no framework."""
    runs = []
    for _ in range(repeat):
        sink = io.StringIO()
        started = time.perf_counter()
        with closing(sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)) as connection:
            writer = csv.writer(sink, lineterminator="\r\n")
            rows = 0
            for row in connection.execute(LAYERS_SQL):
                writer.writerow(row)
                rows += 1
        runs.append((rows, time.perf_counter() - started))
    rows = runs[0][0]
    return {
        "rows": rows,
        "rows_per_second": round(rows / statistics.median(seconds for _, seconds in runs)),
    }


@dataclass
class Pages:
    """What one side is measured on: its server, its addresses and how it walks them."""

    port: int
    paths: list[str]
    walk: bool = False  # each address once, in order, never twice (cold pages)
    headers: dict[str, str] | None = None
    warm_up: list[str] | None = None  # addresses asked for before, and not measured
    done: int = 0  # how far the walk has gone


def measure_in_turns(sides: dict[str, Pages], work: Path, args) -> dict[str, dict]:
    """wrk on each side in turns, ROUNDS times for DURATION / ROUNDS seconds, so that a busy
    moment of the machine (shared with others) falls on both sides alike."""
    rounds: dict[str, list[dict]] = {name: [] for name in sides}
    for side in sides.values():  # a first request per worker, and our pages' partial caches
        script = wrk_script(
            work, side.warm_up or side.paths, walk=True, threads=args.threads, headers=side.headers
        )
        run_wrk(side.port, script, connections=args.connections, threads=args.threads, duration=2)
    for _ in range(args.rounds):
        for name, side in sides.items():
            paths = side.paths[side.done :] if side.walk else side.paths
            script = wrk_script(
                work, paths, walk=side.walk, threads=args.threads, headers=side.headers
            )
            report = run_wrk(
                side.port,
                script,
                connections=args.connections,
                threads=args.threads,
                duration=max(1, args.duration // args.rounds),
            )
            # wrk counts the answered requests; those still on their way at the end were asked
            # for too, so the next round starts beyond them.
            side.done += report["requests"] + args.connections
            rounds[name].append(report)
    results = {}
    for name, side in sides.items():
        runs = rounds[name]
        seconds, requests = (
            sum(run["seconds"] for run in runs),
            sum(run["requests"] for run in runs),
        )
        megabytes = sum(run["megabytes"] for run in runs)
        results[name] = {
            "path": side.paths[0] if not side.walk else side.paths[0] + " …",
            "rounds": len(runs),
            "seconds": round(seconds, 1),
            "requests": requests,
            "requests_per_second": round(requests / seconds, 1),
            "per_round": [run["requests_per_second"] for run in runs],
            "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 1),
            "p99_ms": max(run["p99_ms"] for run in runs),  # the worse round's
            "max_ms": max(run["max_ms"] for run in runs),
            "errors": sum(run["errors"] for run in runs),
            "bytes_per_response": round(megabytes * 1e6 / max(requests, 1)),
        }
        if side.walk:
            # Past the end, the walk would have asked for some pages twice, from a warm cache.
            results[name]["distinct_addresses"] = len(side.paths)
            results[name]["each_once"] = side.done <= len(side.paths)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page")
    parser.add_argument("--rounds", type=int, default=2, help="turns the duration is cut into")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--downloads", type=int, default=3, help="full CSV downloads each")
    parser.add_argument("--output", default="bench-results.json")
    args = parser.parse_args()

    datasette_bin = ensure_datasette()
    proposals = ensure_database()
    warm, walk = proposals[:WARM_UP_SLUGS], proposals[WARM_UP_SLUGS:]
    work = Path(tempfile.mkdtemp(prefix="ceasefire-datasette-"))
    empty_cache(args.cache_url)
    ours = Server(f"sqlite:///{DATABASE}", env={"CACHE_URL": args.cache_url}, recycle=False)
    theirs = None
    try:
        ours.start()
        ours.wait()
        checkpoint()  # after our server's migrate, so that the file no longer changes
        theirs = Datasette(datasette_bin, work)
        page = "/proposals/?status=under_discussion"
        table = "/bench/proposals_proposal?status=under_discussion"
        lists = {  # name: (port, address, extra headers)
            "ours": (ours.port, page, None),
            # A session cookie: the page cache neither serves nor keeps the page (it may be
            # someone's own), which is rendered for an anonymous reader.
            "ours_rendered": (ours.port, page, {"Cookie": "sessionid=bench"}),
            "datasette": (theirs.port, table, None),
            # Datasette at its lightest: 25 rows like ours, and no suggested facets, which take
            # most of its time on its default page.
            "datasette_lean": (theirs.port, f"{table}&_size=25&_nosuggest=1", None),
        }
        exports = {
            "ours_computed": (ours.port, "/export/layers.csv"),
            "ours": (ours.port, "/export/layers.csv"),
            "datasette": (theirs.port, "/bench/layers_export.csv?_stream=on"),
            "datasette_labels": (
                theirs.port,
                "/bench/proposals_layer.csv?_stream=on&_labels=on",
            ),
        }
        for name, (port, path, headers) in lists.items():
            status = fetch(port, path, headers=headers).status
            if status != 200:
                sys.exit(f"bench_datasette: {name} {path} answered {status}")

        print(
            f"Ours (make serve, {ours.booted_workers()} workers, cache {args.cache_url}) on "
            f":{ours.port} and Datasette {DATASETTE_VERSION} on :{theirs.port}, both on "
            f"{DATABASE.relative_to(BASE_DIR)}: wrk -c{args.connections} for {args.duration} s a "
            f"page in {args.rounds} turns, {args.downloads} downloads of each CSV",
            flush=True,
        )
        results: dict[str, dict] = {"csv": {}}
        # Proposal pages first, while our cache is empty: none of them has been asked for yet.
        results["proposal"] = measure_in_turns(
            {
                "ours": Pages(
                    ours.port,
                    [f"/proposals/{slug}/" for _, slug in walk],
                    walk=True,
                    warm_up=[f"/proposals/{slug}/" for _, slug in warm],
                ),
                "datasette": Pages(
                    theirs.port,
                    [f"/bench/proposals_proposal/{pk}" for pk, _ in walk],
                    walk=True,
                    warm_up=[f"/bench/proposals_proposal/{pk}" for pk, _ in warm],
                ),
            },
            work,
            args,
        )
        results["list"] = measure_in_turns(
            {
                name: Pages(port, [path], headers=headers)
                for name, (port, path, headers) in lists.items()
            },
            work,
            args,
        )
        runs = {name: [] for name in exports}
        for _ in range(args.downloads):  # taken in turns, so that a busy moment hits all alike
            for name, (port, path) in exports.items():
                if name == "ours_computed":
                    empty_cache(args.cache_url)  # the next one then comes from its blocks
                runs[name].append(download(port, path))
        for name, (_, path) in exports.items():
            seconds = statistics.median(run["seconds"] for run in runs[name])
            last = runs[name][-1]
            results["csv"][name] = {
                "path": path,
                "downloads": len(runs[name]),
                "statuses": sorted({run["status"] for run in runs[name]}),
                "rows": last["rows"],
                "columns": last["columns"],
                "megabytes": last["megabytes"],
                "seconds": round(seconds, 2),
                "rows_per_second": round(last["rows"] / seconds),
            }
        memory = ours.worker_memory()
        datasette_rss = rss_mb(theirs.process.pid)
    finally:
        ours.stop()
        if theirs is not None:
            theirs.stop()
        shutil.rmtree(work, ignore_errors=True)
    results["csv"]["sqlite3_csv_writer"] = raw_export(args.downloads)

    report = {
        "datasette_version": DATASETTE_VERSION,
        "database": str(DATABASE.relative_to(BASE_DIR)),
        "proposals": len(proposals),
        "our_cache": args.cache_url,
        "wrk": {
            "connections": args.connections,
            "threads": args.threads,
            "seconds": args.duration,
            "rounds": args.rounds,
        },
        "datasette_settings": "--immutable, num_sql_threads 3, max_returned_rows 40000, "
        "sql_time_limit_ms 10000",
        **results,
        "datasette_rss_mb": datasette_rss,
        "comparisons": comparisons(results),
    }
    print_tables(report)
    memory_report = {
        "servers": "make serve on the SQLite file beside Datasette, its cache in Redis, not "
        "recycled (--max-requests 0), after the runs above",
        "max_requests": 0,
        "workers": [{"server": f"SQLite (:{ours.port})", **worker} for worker in memory],
    }
    print_memory(memory_report, GOAL_RSS_MB)
    print(f"(Datasette's one process: {datasette_rss} MB)")
    save(args.output, "datasette", report)
    save_memory(args.output, "SQLite server beside Datasette", memory_report, GOAL_RSS_MB)
    print(f"\nAdded to {args.output}")
    errors = sum(
        row.get("errors", 0) for kind in ("list", "proposal") for row in results[kind].values()
    )
    not_ok = [name for name, row in results["csv"].items() if row.get("statuses", [200]) != [200]]
    return 1 if errors or not_ok else 0


def comparisons(results: dict) -> list[dict]:
    """Ours against Datasette's same thing, the ratio, and the goal for it."""
    rows = []
    for kind, ours, theirs, label, goal in [
        ("proposal", "ours", "datasette", "proposal pages, each once (cold)", "proposal"),
        ("list", "ours", "datasette", "list, ours cached / theirs as it comes", "list"),
        ("list", "ours", "datasette_lean", "list, ours cached / theirs lean", "list"),
        ("list", "ours_rendered", "datasette", "list, ours rendered / theirs as it comes", "list"),
        ("list", "ours_rendered", "datasette_lean", "list, ours rendered / theirs lean", "list"),
        ("csv", "ours", "datasette", "layers CSV, ours cached / same columns", "csv"),
        ("csv", "ours_computed", "datasette", "layers CSV, ours computed / same columns", "csv"),
        ("csv", "ours", "datasette_labels", "layers CSV, ours cached / table _labels", None),
    ]:
        unit, figure = (
            ("rows/s", "rows_per_second") if kind == "csv" else ("req/s", "requests_per_second")
        )
        mine, other = results[kind][ours][figure], results[kind][theirs][figure]
        ratio = round(mine / other, 2) if other else None
        goal_ratio = GOALS.get(goal)
        rows.append(
            {
                "what": label,
                "unit": unit,
                "ours": mine,
                "datasette": other,
                "ratio": ratio,
                "goal_ratio": goal_ratio,
                "meets_goal": None
                if goal_ratio is None
                else ratio is not None and ratio >= goal_ratio,
            }
        )
    return rows


def print_tables(report: dict) -> None:
    print(
        f"\nCeasefire Monitor and Datasette {report['datasette_version']} on the same SQLite file "
        f"({report['proposals']} demo proposals), one after the other:"
    )
    print(f"{'':46} {'ours':>10} {'Datasette':>10} {'ratio':>7}  goal")
    for row in report["comparisons"]:
        goal = f">= {row['goal_ratio']}x: {verdict(row['meets_goal'])}" if row["goal_ratio"] else ""
        print(
            f"{row['what']:46} {row['ours']:>10} {row['datasette']:>10} {row['ratio']:>6}x  "
            f"{goal}   ({row['unit']})"
        )
    raw = report["csv"]["sqlite3_csv_writer"]
    print(
        f"{'reference: sqlite3 -> csv.writer, no server':46} {raw['rows_per_second']:>10} "
        f"{'':>10} {'':>7}  (rows/s)"
    )

    print(
        f"\n{'pages (wrk)':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'bytes':>8}"
    )
    for kind in ("list", "proposal"):
        for name, row in report[kind].items():
            print(
                f"{kind + ' ' + name:28} {row['requests_per_second']:>8} {row['p50_ms']:>8} "
                f"{row['p99_ms']:>8} {row['errors']:>7} {row['bytes_per_response']:>8}"
            )
    for name, row in report["proposal"].items():
        if not row["each_once"]:
            print(
                f"  ! {name}: {row['requests']} requests for {row['distinct_addresses']} proposals: "
                "some came twice (shorten --duration)"
            )
    print(
        f"\n{'CSV (full downloads)':28} {'rows':>7} {'MB':>6} {'s (p50)':>8} {'rows/s':>8}  columns"
    )
    for name, row in report["csv"].items():
        if name == "sqlite3_csv_writer":
            continue
        print(
            f"{name:28} {row['rows']:>7} {row['megabytes']:>6} {row['seconds']:>8} "
            f"{row['rows_per_second']:>8}  {', '.join(row['columns'])}"
        )


if __name__ == "__main__":
    sys.exit(main())
