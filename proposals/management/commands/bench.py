"""Measure the pages at scale: SQL queries and server time per page, as a table and as JSON.

`make bench` runs it against a PostgreSQL database that it fills with demo proposals first.
The time is measured around Django's request handling (no network), over repeated requests, in
three ways: a reader's repeat request (served from the page cache), the page rendered with every
other cache warm (a request with a session cookie, which the page cache never serves), and the
page with every cache cold (cleared before each request). Then the proposal page rendered for many
different proposals, the cache cleared once before them.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from proposals.models import ANALYSTS_GROUP, Layer, Proposal

PAGES = [
    ("dashboard", "/"),
    ("list", "/proposals/"),
    ("search", "/proposals/?q=Black+Sea"),
    ("filtered list", "/proposals/?status=agreed&layer=naval&precondition=met&sort=title"),
    ("proposal page", "/proposals/{demo}/"),
    ("comparison", "/compare/?p={demo}&p={other}&p=coalition-of-the-willing-security-concept"),
    ("history", "/proposals/{demo}/history/"),
    ("actors", "/actors/"),
    ("actor page", "/actors/france/"),
    ("dashboard as of", "/?as_of=2026-06-01"),
    ("list as of", "/proposals/?as_of=2026-06-01"),
    (
        "filtered as of",
        "/proposals/?as_of=2026-06-01&status=floated&precondition=unmet&actor=france",
    ),
    ("proposal as of", "/proposals/{demo}/?as_of=2026-06-01"),
    ("actor page as of", "/actors/france/?as_of=2026-06-01"),
    ("api list", "/api/proposals/"),
    ("api filtered", "/api/proposals/?status=agreed&layer=naval&precondition=met&sort=title"),
    ("api proposal", "/api/proposals/{demo}/"),
    ("api proposal as of", "/api/proposals/{demo}/?as_of=2026-06-01"),
    ("api actor", "/api/actors/france/"),
    ("api changes", "/api/changes/"),
    ("changes feed", "/feeds/changes.atom"),
    ("data releases", "/data/"),
]
# Pages for analysts, measured signed in as one (never from the page cache).
ANALYST_PAGES = [
    ("workspace", "/workspace/"),
    ("workspace p. 5", "/workspace/?unsourced_page=5&stale_page=5"),
]


def stream_rows(client: Client, rows: int) -> tuple[int, int]:
    """Read the layers export as a downloader would, stopping after `rows` rows."""
    response = client.get("/export/layers.csv")
    lines = size = 0
    for block in response.streaming_content:
        size += len(block)
        lines += block.count(b"\r\n")  # demo data has no line breaks inside cells
        if lines > rows:  # the header is the first line
            break
    response.close()
    return min(lines - 1, rows), size


def machine_reference() -> dict:
    """How fast this machine runs plain Python now (the best of three 10-million-step loops), so
    that runs on different machines, or on one machine shared with others, can be compared."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for step in range(10_000_000):
            total += step
        best = min(best, time.perf_counter() - started)
    return {"python_loop_10m_seconds": round(best, 2)}


class Command(BaseCommand):
    help = "Benchmark the pages at scale (fills the database with demo proposals first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--proposals", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument(
            "--different-proposals",
            type=int,
            default=200,
            metavar="N",
            help="How many different proposal pages to render, each once, with a cold cache.",
        )
        parser.add_argument("--output", default="bench-results.json")
        parser.add_argument(
            "--export-rows",
            type=int,
            nargs="*",
            metavar="N",
            help="Instead of the pages, time /export/layers.csv for its first N rows.",
        )

    def handle(
        self,
        *args,
        proposals: int,
        repeat: int,
        output: str,
        different_proposals: int,
        **options,
    ) -> None:
        self.prepare(proposals)
        if options["export_rows"]:
            self.bench_exports(options["export_rows"], output)
            return
        demo = Proposal.objects.filter(slug__startswith="demo-").order_by("slug")
        first, other = demo.values_list("slug", flat=True)[:2]
        results = []
        with override_settings(
            SECURE_SSL_REDIRECT=False,
            ALLOWED_HOSTS=["testserver"],
            DEBUG=False,
            API_THROTTLE_RATE="1000000/min",  # one client asks thousands of times
        ):
            client = Client()
            for name, pattern in PAGES:
                url = pattern.format(demo=first, other=other)
                results.append(self.measure(client, name, url, repeat))
            analyst = Client()
            analyst.force_login(self.analyst())
            for name, url in ANALYST_PAGES:
                results.append(self.measure(analyst, name, url, repeat, signed_in=True))
            slugs = demo.values_list("slug", flat=True)[2 : 2 + different_proposals]
            different = self.measure_different(client, list(slugs))
        report = {
            "machine_reference": machine_reference(),
            "database": connection.vendor,
            "proposals": Proposal.objects.count(),
            "repeat": repeat,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {settings.DATABASES['default']['ENGINE']}",
            "pages": results,
            "proposal_pages_cold": different,
        }
        Path(output).write_text(json.dumps(report, indent=2) + "\n")
        self.print_table(report)
        self.stdout.write(f"\nWritten to {output}")

    def bench_exports(self, sizes: list[int], output: str) -> None:
        """Rows per second and peak Python memory of the streamed layers export."""
        results = []
        with override_settings(
            SECURE_SSL_REDIRECT=False,
            ALLOWED_HOSTS=["testserver"],
            DEBUG=False,
            API_THROTTLE_RATE="1000000/min",  # one client asks thousands of times
        ):
            client = Client()
            for size in sizes:
                started = time.perf_counter()
                rows, size_bytes = stream_rows(client, size)
                seconds = time.perf_counter() - started
                tracemalloc.start()
                stream_rows(client, size)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                results.append(
                    {
                        "rows": rows,
                        "seconds": round(seconds, 2),
                        "rows_per_second": round(rows / seconds),
                        "megabytes": round(size_bytes / 1e6, 1),
                        "peak_python_memory_mb": round(peak / 1e6, 1),
                    }
                )
        path = Path(output)
        report = json.loads(path.read_text()) if path.exists() else {}
        report["layers_export"] = {"layers_on_file": Layer.objects.count(), "runs": results}
        path.write_text(json.dumps(report, indent=2) + "\n")
        self.stdout.write(f"\n/export/layers.csv, {Layer.objects.count()} layers on file")
        header = f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'MB':>6} {'peak memory MB':>15}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in results:
            self.stdout.write(
                f"{row['rows']:>8} {row['seconds']:>8} {row['rows_per_second']:>8} "
                f"{row['megabytes']:>6} {row['peak_python_memory_mb']:>15}"
            )
        self.stdout.write(f"\nAdded to {output}")

    def analyst(self):
        user, _ = get_user_model().objects.get_or_create(
            username="bench-analyst", defaults={"first_name": "Bench", "last_name": "Analyst"}
        )
        user.groups.add(Group.objects.get(name=ANALYSTS_GROUP))
        return user

    def prepare(self, wanted: int) -> None:
        if connection.vendor == "postgresql":
            name = connection.settings_dict["NAME"]
            with connection._nodb_cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if not cursor.fetchone():
                    cursor.execute(f'CREATE DATABASE "{name}"')
                    self.stdout.write(f"Created the database {name}.")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed", stdout=self.stdout)
        have = Proposal.objects.filter(slug__startswith="demo-").count()
        if have < wanted:
            call_command("demo_data", proposals=wanted - have, stdout=self.stdout)
        if connection.vendor == "postgresql":
            # As autovacuum keeps a production database: without it (some servers run with it
            # off) the rows demo_data rewrote stay dead, and index-only scans cannot be used.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def measure(
        self, client: Client, name: str, url: str, repeat: int, signed_in: bool = False
    ) -> dict:
        """p50 of `url` asked again (from the page cache), rendered with the other caches warm,
        and with every cache cleared."""
        for _ in range(3):  # warm caches and connections
            client.get(url)
        timings, query_count, response = self.timed(client, url, repeat)
        if signed_in:  # never from the page cache: every request is rendered
            rendered, rendered_queries = timings, query_count
        else:
            rendered, rendered_queries, _ = self.timed(Client(), url, repeat, session_cookie=True)
        # The same page with an empty cache: the first view after any change to the data.
        cold = []
        for _ in range(max(5, repeat // 3)):
            cache.clear()
            started = time.perf_counter()
            client.get(url)
            cold.append((time.perf_counter() - started) * 1000)
        return {
            "page": name,
            "url": url,
            "status": response.status_code,
            "queries": query_count,
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
            "queries_rendered": rendered_queries,
            "p50_rendered_ms": round(statistics.median(rendered), 1),
            "p50_uncached_ms": round(statistics.median(cold), 1),
            "bytes": len(response.content),
        }

    def timed(
        self, client: Client, url: str, repeat: int, session_cookie: bool = False
    ) -> tuple[list[float], int, object]:
        """Sorted milliseconds of `repeat` requests, and the queries and response of the last.

        With `session_cookie`, each request carries a session cookie that names no session: the
        page cache never serves nor stores such a request (it may be someone's own), and the
        page is rendered for an anonymous reader (proposals.http_cache)."""
        timings = []
        for _ in range(repeat):
            if session_cookie:  # set again: the response to a session-less cookie deletes it
                client.cookies[settings.SESSION_COOKIE_NAME] = "bench"
            reset_queries()  # the query log is bounded; a full one would count nothing
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            query_count = len(queries)  # read now: the log is reset by the next request
        return sorted(timings), query_count, response

    def measure_different(self, client: Client, slugs: list[str]) -> dict:
        """The proposal page for many proposals, each once, after the cache is cleared: what
        readers arriving on different pages after a change get."""
        cache.clear()
        timings, queries, statuses = [], [], set()
        for slug in slugs:
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(f"/proposals/{slug}/")
                timings.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
            statuses.add(response.status_code)
        timings.sort()
        return {
            "proposals": len(slugs),
            "statuses": sorted(statuses),
            "queries_p50": statistics.median(queries),
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        }

    def print_table(self, report: dict) -> None:
        self.stdout.write(
            "\nMachine reference: a 10-million-step Python loop took "
            f"{report['machine_reference']['python_loop_10m_seconds']} s."
        )
        self.stdout.write(
            f"\n{report['proposals']} proposals on {report['database']}, "
            f"{report['repeat']} requests per page: a reader's repeat request (from the page cache, "
            "for the pages it keeps), the page rendered with the other caches warm, and with "
            "every cache cold. Analysts' pages are never cached.\n"
        )
        groups = f"{'':25} {'from the page cache':>23}  {'rendered':>16}  {'cold':>7}"
        header = (
            f"{'page':<18} {'status':>6} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7}  "
            f"{'queries':>7} {'p50 ms':>8}  {'p50 ms':>7}  url"
        )
        self.stdout.write(groups)
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in report["pages"]:
            self.stdout.write(
                f"{row['page']:<18} {row['status']:>6} {row['queries']:>7} {row['p50_ms']:>7} "
                f"{row['p95_ms']:>7}  {row['queries_rendered']:>7} {row['p50_rendered_ms']:>8}  "
                f"{row['p50_uncached_ms']:>7}  {row['url']}"
            )
        different = report["proposal_pages_cold"]
        self.stdout.write(
            f"\nThe proposal page for {different['proposals']} different proposals, each once, "
            f"the cache cleared before the first: p50 {different['p50_ms']} ms, p95 "
            f"{different['p95_ms']} ms, {different['queries_p50']} queries (p50), "
            f"status {', '.join(map(str, different['statuses']))}"
        )
