"""Several servers on one database and one Redis, as production runs with more than one: an edit
saved through one server is what the other serves on its very next request, with a new ETag.

Two `make serve` instances (production settings, gunicorn) share a PostgreSQL database of their
own and a Redis database; an analyst signs in and edits through the first over HTTP, and a reader
asks the second.
"""

import contextlib
import re
import socket
import sys
import time
import uuid
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest

from .test_production import (
    DB,
    HOST,
    ON_POSTGRES,
    UN,
    Served,
    postgres_connection,
    production_env,
    run,
    start_serve,
    wait_until_up,
)

REDIS = ("127.0.0.1", 6379)
# A Redis database of the tests' own, emptied before and after.
REDIS_DB = 13
PASSWORD = "two-servers-" + uuid.uuid4().hex


def redis_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(REDIS, timeout=1) as probe:
        probe.sendall(b"PING\r\n")
        return probe.recv(16).startswith(b"+PONG")
    return False


pytestmark = [
    pytest.mark.skipif(not ON_POSTGRES, reason="several servers share PostgreSQL, not a file"),
    pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379 to share"),
]


def flush_redis() -> None:
    import redis

    redis.Redis(*REDIS, db=REDIS_DB).flushdb()


class Form(HTMLParser):
    """The fields of the first <form> with a given action, as a browser would post them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside or "name" not in attrs and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in {"checkbox", "radio", "submit"}:
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and "checked" in attrs:
            self.fields[attrs["name"]] = attrs.get("value") or "on"
        elif tag == "select":
            self.select = attrs["name"]
        elif (
            tag == "option"
            and self.select
            and ("selected" in attrs or self.select not in self.fields)
        ):
            self.fields[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


class Browser:
    """An analyst's cookies, sent by hand: the server marks them Secure, behind its TLS proxy."""

    def __init__(self, server: Served) -> None:
        self.server, self.cookies = server, {}

    def request(self, method: str, path: str, body: dict | None = None):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=20)
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}{path}",
            }
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        response.body = response.read().decode()
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def submit(self, path: str, action: str, **changes):
        form = Form(action)
        page = self.request("GET", path)
        assert page.status == 200, page.body
        form.feed(page.body)
        assert form.fields, f"no form posting to {action} on {path}"
        return self.request("POST", action, form.fields | changes)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two-servers")
    with contextlib.ExitStack() as cleanup:
        admin = postgres_connection("postgres")
        cleanup.callback(admin.close)
        name = f"ceasefire_servers_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        cleanup.callback(admin.execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        password = f":{quote(DB['PASSWORD'], safe='')}" if DB["PASSWORD"] else ""
        host, port = DB["HOST"] or "127.0.0.1", DB["PORT"] or 5432
        url = f"postgres://{quote(DB['USER'], safe='')}{password}@{host}:{port}/{name}"
        flush_redis()
        cleanup.callback(flush_redis)
        env = production_env(
            DATABASE_URL=url,
            CACHE_URL=f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            WEB_CONCURRENCY="1",
        )
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([sys.executable, "manage.py", "seed"], env)
        run(
            [sys.executable, "manage.py", "createanalyst", "editor", "--name", "Eda Editor"],
            env | {"ANALYST_PASSWORD": PASSWORD},
        )
        servers = [
            # Each server its own machine: its own collected static files.
            start_serve(
                env | {"DJANGO_STATIC_ROOT": str(tmp / f"static-{n}")},
                tmp / f"serve-{n}.log",
                cleanup,
                dbname=name,
            )
            for n in (1, 2)
        ]
        deadline = time.monotonic() + 120
        for process, server in servers:
            wait_until_up(process, server, deadline)
        yield [server for _, server in servers]


READS = {
    "list": "/proposals/",
    "proposal page": f"/proposals/{UN}/",
    "CSV": "/export/proposals.csv",
    "API": f"/api/proposals/{UN}/",
}


def test_an_edit_through_one_server_is_what_the_other_serves_next(two_servers):
    first, second = two_servers
    before = {}
    for what, path in READS.items():
        response = second.get(path)
        assert response.status == 200, (what, response.body[:300])
        assert response.getheader("Cache-Control") == (
            "public, max-age=60, stale-while-revalidate=300"
        )
        before[what] = response.getheader("ETag")
        # Both servers give the same version of the same address the same ETag; unchanged, it
        # is a 304 without a body.
        assert first.get(path).getheader("ETag") == before[what], what
        again = second.get(path, **{"If-None-Match": before[what]})
        assert (again.status, again.body) == (304, b""), what

    analyst = Browser(first)
    signed_in = analyst.submit(
        "/accounts/login/", "/accounts/login/", username="editor", password=PASSWORD
    )
    assert signed_in.status == 302, signed_in.body[:500]
    title = "UN peacekeeping mission, retitled on server one"
    saved = analyst.submit(f"/proposals/{UN}/edit/", f"/proposals/{UN}/edit/", title=title)
    assert saved.status in {200, 302}, saved.body[:2000]
    assert saved.getheader("Cache-Control") == "private, no-store"

    for what, path in READS.items():
        response = second.get(path, **{"If-None-Match": before[what]})
        assert response.status == 200, what
        assert response.getheader("ETag") not in {None, before[what]}, what
        assert title in response.body.decode(), f"the {what} on server two is older than the save"
        # And the first server agrees, with the same new ETag.
        assert first.get(path).getheader("ETag") == response.getheader("ETag"), what


def test_an_analysts_pages_are_never_shared(two_servers):
    first, second = two_servers
    analyst = Browser(second)
    analyst.submit("/accounts/login/", "/accounts/login/", username="editor", password=PASSWORD)
    page = analyst.request("GET", "/proposals/")
    assert page.status == 200
    assert page.getheader("Cache-Control") == "private, no-store"
    assert page.getheader("ETag") is None
    assert re.search(r"Sign out", page.body)
    # What the analyst saw was not kept for readers.
    reader = first.get("/proposals/")
    assert "Sign out" not in reader.body.decode()
    assert reader.getheader("Cache-Control").startswith("public")
