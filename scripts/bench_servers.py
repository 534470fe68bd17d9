"""Two app servers behind one Redis: wrk on both at once while an analyst saves through one and
reads the change back from the other. Run by `make bench`; on its own:

    .venv/bin/python scripts/bench_servers.py \
        --database-url postgres://postgres@127.0.0.1/ceasefire_bench --cache-url redis://127.0.0.1:6379/7

It empties the Redis database of CACHE_URL (never db 0), starts two `make serve` on the same
PostgreSQL database and that cache, and runs two wrk processes, CONNECTIONS connections each, over
the load test's mix (the list, a search, a proposal page, a CSV export) for DURATION seconds.
Meanwhile an analyst (bench-analyst, made or given a new password through the ORM), signed in
through the first server, saves a new summary of one proposal every second through its edit form,
and as soon as each save is answered reads the proposal's page, the CSV export it is in and its API
record from the second server as an anonymous reader: any of them without the latest summary is
stale. Stale reads and errors must both be 0; the summary is put back as it was at the end. The
servers' API_THROTTLE_RATE is raised, as this one reader would otherwise be throttled.

The workers are not recycled in this run (`--max-requests 0`) so that their memory, read at the
end, is that of a worker after every request it served. As that is about a thousand requests
each, a third `make serve`, of one worker whose cache is in its own memory, then serves
MEMORY_REQUESTS requests one after the other (the mix, and every twentieth a proposal page not
asked for before), and its memory is read too. Figures go to bench-results.json as "servers" and,
with each worker's memory, "memory".
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from http.cookies import SimpleCookie

from benchlib import (
    BASE_DIR,
    HOST,
    Response,
    Server,
    empty_cache,
    fetch,
    mix_paths,
    print_memory,
    save,
    save_memory,
    start_wrk,
    verdict,
    wrk_report,
    wrk_script,
)

GOAL_RPS = 330
GOAL_P99_MS = 250
GOAL_RSS_MB = 150
ANALYST = "bench-analyst"
# A benchmark's reader is one address, which the API would otherwise throttle to 60 a minute.
API_THROTTLE_RATE = "1000000/min"

ANALYST_SETUP = """
import os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from proposals.models import ANALYSTS_GROUP
user, _ = get_user_model().objects.get_or_create(
    username=os.environ["BENCH_ANALYST"],
    defaults={"first_name": "Bench", "last_name": "Analyst", "is_staff": True},
)
user.set_password(os.environ["BENCH_PASSWORD"])
user.save()
user.groups.add(Group.objects.get(name=ANALYSTS_GROUP))
"""


class FormFields(HTMLParser):
    """What a browser would send for the form whose action contains `action`."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: list[str] | None = None
        self.select: dict | None = None
        self.option: list | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.inside = self.action in (attributes.get("action") or "")
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            self.fields.append(
                (name, attributes.get("value") or ("on" if kind == "checkbox" else ""))
            )
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attributes, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = [attributes.get("value"), "", "selected" in attributes]
            self.select["options"].append(self.option)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1] += data
        elif self.option is not None:
            self.option[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # Browsers drop the line break that Django writes right after <textarea>.
            self.fields.append((name, text.removeprefix("\r").removeprefix("\n")))
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = [
                (value if value is not None else text.strip(), on)
                for value, text, on in self.select["options"]
            ]
            chosen = [value for value, on in options if on]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]
            self.fields += [(self.select["name"], value) for value in chosen]
            self.select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(html)
    if not parser.fields:
        raise ValueError(f"no form posting to {action} on the page")
    return parser.fields


class Analyst:
    """Signs in and saves through the site's own forms over HTTP, as a browser would.

    The session and CSRF cookies are `Secure`, so a cookie jar would not send them over the
    plain HTTP of loopback: they are kept here and sent by hand.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, path: str, fields: list[tuple[str, str]] | None = None) -> Response:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{path}",
            }
        response = fetch(
            self.port, path, method="GET" if body is None else "POST", headers=headers, body=body
        )
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def sign_in(self, username: str, password: str) -> None:
        page = self.request("/accounts/login/")
        fields = dict(form_fields(page.text, "/accounts/login/"))
        fields |= {"username": username, "password": password}
        response = self.request("/accounts/login/", list(fields.items()))
        if response.status != 302 or "sessionid" not in self.cookies:
            sys.exit(f"bench_servers: signing in answered {response.status}:\n{response.text}")

    def edit_form(self, slug: str) -> tuple[str, list[tuple[str, str]]]:
        path = f"/proposals/{slug}/edit/"
        page = self.request(path)
        if page.status != 200:
            raise RuntimeError(f"GET {path} answered {page.status}")
        return path, form_fields(page.text, path)

    def summary(self, slug: str) -> str:
        return dict(self.edit_form(slug)[1])["summary"]

    def save_summary(self, slug: str, summary: str) -> None:
        """Open the proposal's edit form, as it is now, and save it with this summary."""
        path, fields = self.edit_form(slug)
        fields = [(name, summary if name == "summary" else value) for name, value in fields]
        response = self.request(path, fields)
        if response.status != 302:
            raise RuntimeError(f"POST {path} answered {response.status}")


def reader_sees(port: int, slug: str, export: str, marker: str) -> dict[str, str]:
    """What an anonymous reader of the other server gets: "fresh" (the marker is there), "stale"
    or "error", for the proposal's page, the CSV export and the API."""
    seen = {}
    page = fetch(port, f"/proposals/{slug}/")
    seen["page"] = page.status == 200 and (marker in page.text)
    exported = fetch(port, export)
    rows = csv.reader(io.StringIO(exported.body.decode("utf-8-sig")))
    header = next(rows, [])
    summaries = [
        dict(zip(header, row, strict=True)).get("summary", "")
        for row in rows
        if row and row[0] == slug
    ]
    seen["csv"] = exported.status == 200 and any(marker in summary for summary in summaries)
    record = fetch(port, f"/api/proposals/{slug}/")
    seen["api"] = record.status == 200 and marker in json.loads(record.body).get("summary", "")
    statuses = {"page": page.status, "csv": exported.status, "api": record.status}
    return {
        what: "error" if statuses[what] != 200 else "fresh" if fresh else "stale"
        for what, fresh in seen.items()
    }


def median_of(saves: list[dict], key: str) -> float | None:
    values = [each[key] for each in saves if key in each]
    return statistics.median(values) if values else None


def create_analyst(database_url: str, password: str) -> None:
    env = {"DATABASE_URL": database_url, "BENCH_ANALYST": ANALYST, "BENCH_PASSWORD": password}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", ANALYST_SETUP],
        cwd=BASE_DIR,
        env=os.environ | env,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--connections", type=int, default=16, help="per server")
    parser.add_argument("--duration", type=int, default=30, help="seconds")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=10_000,
        help="requests to one worker before its memory is read",
    )
    parser.add_argument(
        "--memory-seconds", type=int, default=240, help="at most this long for them"
    )
    parser.add_argument("--output", default="bench-results.json")
    args = parser.parse_args()

    empty_cache(args.cache_url)

    password = secrets.token_urlsafe(24)
    create_analyst(args.database_url, password)
    env = {"CACHE_URL": args.cache_url, "API_THROTTLE_RATE": API_THROTTLE_RATE}
    servers = [Server(args.database_url, env=env, recycle=False) for _ in range(2)]
    # For memory: one worker, so that it alone serves MEMORY_REQUESTS requests in a few minutes,
    # with its cache in its own memory (CACHE_URL empty), where the cache then counts too.
    lone = Server(args.database_url, env={"WEB_CONCURRENCY": "1"}, recycle=False)
    run = secrets.token_hex(3)
    saves: list[dict] = []
    original = None
    try:
        for server in [*servers, lone]:
            server.start()  # they collect their static files and migrate at once
        for server in [*servers, lone]:
            server.wait()
        writer, reader = servers
        paths = mix_paths(reader.port)
        export = paths["csv export"]
        # The analyst edits the first proposal of the mix's CSV export, which is read back too.
        exported = fetch(reader.port, export).body.decode("utf-8-sig")
        slug = list(csv.reader(io.StringIO(exported)))[1][0]
        analyst = Analyst(writer.port)
        analyst.sign_in(ANALYST, password)
        original = analyst.summary(slug)

        workers = sum(server.booted_workers() for server in servers)
        print(
            f"wrk: 2 × {args.connections} connections, {args.duration} s, against two make serve "
            f"({workers} gunicorn workers, not recycled) on one PostgreSQL and {args.cache_url}; "
            f"an analyst saves {slug} through :{writer.port} every second and reads it back from "
            f":{reader.port}",
            flush=True,
        )
        loads = [
            start_wrk(
                server.port,
                wrk_script(server.work, list(paths.values())),
                connections=args.connections,
                threads=1,
                duration=args.duration,
            )
            for server in servers
        ]
        while any(load.poll() is None for load in loads):
            started = time.monotonic()
            marker = f"bench-save-{run}-{len(saves) + 1:04d}"
            try:
                analyst.save_summary(slug, f"{original} {marker}")
                saved = time.monotonic()
                seen = reader_sees(reader.port, slug, export, marker)
            except (OSError, RuntimeError, ValueError) as error:
                saves.append({"error": str(error)})
                print(f"  save {len(saves)}: {error}", flush=True)
            else:
                saves.append(
                    {
                        "save_ms": round((saved - started) * 1000),
                        "read_ms": round((time.monotonic() - saved) * 1000),
                        **seen,
                    }
                )
            time.sleep(max(0.0, 1 - (time.monotonic() - started)))
        measured = [wrk_report(load) for load in loads]
        analyst.save_summary(slug, original)
        original = None
        memory = {
            f"server {n} (:{server.port})": server.worker_memory()
            for n, server in enumerate(servers, 1)
        }
        for server in servers:
            server.stop()
        lone_report = memory_walk(lone, paths, args.memory_requests, args.memory_seconds)
    finally:
        if original is not None:  # put the summary back even when the run broke off
            try:
                analyst.save_summary(slug, original)
            except Exception as error:  # reported: the servers must still stop
                print(f"bench_servers: could not restore the summary of {slug}: {error}")
        for server in [*servers, lone]:
            server.stop()

    checks = [
        check for each in saves for what, check in each.items() if what in {"page", "csv", "api"}
    ]
    errors = sum(each["errors"] for each in measured)
    stale = checks.count("stale")
    check_errors = checks.count("error") + sum(1 for each in saves if "error" in each)
    report = {
        "servers": 2,
        "connections_per_server": args.connections,
        "cache": args.cache_url,
        "workers": workers,
        "max_requests": 0,
        "paths": paths,
        "requests": sum(each["requests"] for each in measured),
        "requests_per_second": round(sum(each["requests_per_second"] for each in measured), 1),
        "p50_ms": max(each["p50_ms"] for each in measured),
        "p99_ms": max(each["p99_ms"] for each in measured),
        "errors": errors,
        "per_server": measured,
        "analyst": {
            "proposal": slug,
            "saves": len(saves),
            "reads": len(checks),
            "stale": stale,
            "errors": check_errors,
            "save_p50_ms": median_of(saves, "save_ms"),
            "read_back_p50_ms": median_of(saves, "read_ms"),
        },
    }
    report["goal"] = f">= {GOAL_RPS} req/s, p99 < {GOAL_P99_MS} ms, no errors, nothing stale"
    report["meets_goal"] = (
        report["requests_per_second"] >= GOAL_RPS
        and report["p99_ms"] < GOAL_P99_MS
        and errors == 0
        and stale == 0
        and check_errors == 0
    )

    print(
        f"\n{'':10}{'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    for n, each in enumerate(measured, 1):
        print(
            f"{'server ' + str(n):10}{each['requests']:>9} {each['requests_per_second']:>8} "
            f"{each['p50_ms']:>8} {each['p99_ms']:>8} {each['max_ms']:>8} {each['errors']:>7}"
        )
    print(
        f"{'both':10}{report['requests']:>9} {report['requests_per_second']:>8} {'':>8} "
        f"{report['p99_ms']:>8} {'':>8} {errors:>7}   (req/s summed, p99 the worse)"
    )
    analyst_report = report["analyst"]
    print(
        f"\nAnalyst: {analyst_report['saves']} saves through server 1, {analyst_report['reads']} "
        f"reads from server 2 (page, CSV, API): {stale} stale, {check_errors} errors; "
        f"save p50 {analyst_report['save_p50_ms']} ms, read-back p50 "
        f"{analyst_report['read_back_p50_ms']} ms"
    )
    print(f"Goal {report['goal']}: {verdict(report['meets_goal'])}")

    memory_report = {
        "servers": "two make serve on PostgreSQL and Redis, not recycled (--max-requests 0), "
        "after the load test above",
        "max_requests": 0,
        "workers": [
            {"server": name, **worker}
            for name, workers_of in memory.items()
            for worker in workers_of
        ],
    }
    print_memory(memory_report, GOAL_RSS_MB)
    print_memory(lone_report, GOAL_RSS_MB)
    print(
        f"(its memory was {lone_report['rss_before_mb']} MB before these requests, which took "
        f"{lone_report['seconds']} s; {lone_report['errors']} errors)"
    )
    save(args.output, "servers", report)
    save_memory(args.output, "two servers", memory_report, GOAL_RSS_MB)
    save_memory(args.output, "one worker", lone_report, GOAL_RSS_MB)
    print(f"\nAdded to {args.output}")
    return 1 if errors or stale or check_errors or lone_report["errors"] else 0


def memory_walk(server: Server, paths: dict[str, str], requests: int, seconds: int) -> dict:
    """`requests` requests, one after the other, to a server of one worker: the load test's mix,
    and every twentieth time the page of a proposal not asked for before (rendered, then kept in
    the worker's cache). Then the worker's memory, and what it was before."""
    exported = fetch(server.port, "/export/proposals.csv").body.decode("utf-8-sig")
    slugs = [row[0] for row in list(csv.reader(io.StringIO(exported)))[1:]]
    mix = list(paths.values())
    before = server.worker_memory()
    errors = served = 0
    started = time.monotonic()
    deadline = started + seconds
    while served < requests and time.monotonic() < deadline:
        if served % 20 == 19 and slugs:
            path = f"/proposals/{slugs.pop()}/"
        else:
            path = mix[served % len(mix)]
        try:
            errors += fetch(server.port, path).status != 200
        except OSError:
            errors += 1
        served += 1
    workers = server.worker_memory()
    return {
        "servers": f"one make serve of one worker (WEB_CONCURRENCY=1) on PostgreSQL, its cache "
        f"in memory, not recycled (--max-requests 0), after {served} requests one at a time: "
        "the load test's mix and every twentieth a proposal page not asked for before",
        "max_requests": 0,
        "requests": served,
        "seconds": round(time.monotonic() - started, 1),
        "errors": errors,
        "rss_before_mb": max(worker["rss_mb"] for worker in before),
        "workers": [{"server": f"one worker (:{server.port})", **worker} for worker in workers],
    }


if __name__ == "__main__":
    sys.exit(main())
