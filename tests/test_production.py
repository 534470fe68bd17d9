"""`make serve` as it runs in production: gunicorn, DEBUG off, collected and compressed static
files, behind a proxy that says X-Forwarded-Proto: https.

The server gets a database of its own. On PostgreSQL it reaches it through a relay the tests can
cut, to see what readers get while the database is away and that the site heals by itself.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from .html_guard import inline_code
from .tcp_proxy import TcpRelay

BASE_DIR = Path(settings.BASE_DIR)
HOST = "ceasefire.test"
UN = "un-peacekeeping-mission"
DB = settings.DATABASES["default"]
ON_POSTGRES = DB["ENGINE"] == "django.db.backends.postgresql"


def production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "WHITENOISE_", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")
        )
    }
    return env | {
        "DJANGO_SECRET_KEY": "production-test-key-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "WEB_CONCURRENCY": "2",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A running `make serve`, and what it wrote to standard output."""

    def __init__(self, port: int, log: Path, relay: TcpRelay | None, env: dict, dbname):
        self.port, self.log, self.relay, self.env, self.dbname = port, log, relay, env, dbname

    def get(self, path: str, https: bool = True, timeout: float = 10, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": HOST, **headers}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response

    def output(self) -> list[str]:
        return self.log.read_text().splitlines()

    def wait_for_log(self, text: str, timeout: float = 10) -> list[str]:
        """The log once it holds `text`: gunicorn writes a request's line after the response."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.output()
            if any(text in line for line in lines):
                return lines
            assert time.monotonic() < deadline, f"{text!r} never logged:\n" + "\n".join(lines)
            time.sleep(0.1)


def command(args, env, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def run(args, env, timeout=180) -> subprocess.CompletedProcess:
    result = command(args, env, timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


CHECK_DEPLOY = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def postgres_connection(dbname: str):
    import psycopg

    return psycopg.connect(
        host=DB["HOST"] or "127.0.0.1",
        port=DB["PORT"] or 5432,
        user=DB["USER"],
        password=DB["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    with contextlib.ExitStack() as cleanup:
        relay = None
        name = None
        if ON_POSTGRES:
            admin = postgres_connection("postgres")
            cleanup.callback(admin.close)
            name = f"ceasefire_served_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            cleanup.callback(admin.execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            relay = TcpRelay((DB["HOST"] or "127.0.0.1", int(DB["PORT"] or 5432)))
            relay.start()
            cleanup.callback(relay.stop)
            password = f":{quote(DB['PASSWORD'], safe='')}" if DB["PASSWORD"] else ""
            url = f"postgres://{quote(DB['USER'], safe='')}{password}@127.0.0.1:{relay.port}/{name}"
        else:
            url = f"sqlite:///{tmp / 'served.sqlite3'}"
        env = production_env(DATABASE_URL=url, DJANGO_STATIC_ROOT=str(tmp / "static"))
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([sys.executable, "manage.py", "seed"], env)

        process, server = start_serve(env, tmp / "serve.log", cleanup, relay, name)
        wait_until_up(process, server, time.monotonic() + 120)
        yield server


def start_serve(env: dict, log: Path, cleanup, relay=None, dbname=None):
    """`make serve` on a free port, stopped when `cleanup` (an ExitStack) closes."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    cleanup.callback(process.wait, timeout=30)
    cleanup.callback(os.killpg, process.pid, signal.SIGTERM)
    return process, Served(port, log, relay, env, dbname)


def wait_until_up(process: subprocess.Popen, server: Served, deadline: float) -> None:
    """Until /healthz answers 200; failing with the server's output if it stops or never does."""
    while True:
        assert process.poll() is None, server.log.read_text()
        with contextlib.suppress(OSError):
            if server.get("/healthz", timeout=2).status == 200:
                return
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.3)


def test_make_serve_refuses_to_start_without_its_settings():
    for missing in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        env = production_env()
        del env[missing]
        result = command(["make", "--no-print-directory", "serve", f"PORT={free_port()}"], env)
        assert result.returncode != 0
        assert f"make serve: set {missing}" in result.stderr


def test_check_deploy_passes_with_the_production_settings():
    result = run(CHECK_DEPLOY, production_env())
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_with_the_development_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = command(CHECK_DEPLOY, env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def assert_policy_headers(response, https=True):
    csp = response.getheader("Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "form-action 'self'" in csp
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Resource-Policy") == "same-origin"
    if https:
        hsts = response.getheader("Strict-Transport-Security")
        assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000


def test_served_pages_fragments_csv_and_static_files_carry_every_header(served):
    page = served.get("/")
    assert page.status == 200
    html = page.body.decode()
    assert "Ceasefire Monitor" in html and inline_code(html) == []
    assert_policy_headers(page)
    # A reader's page sets no cookie (so caches may share it); the sign-in form's CSRF cookie
    # carries every flag.
    assert page.headers.get_all("Set-Cookie") is None
    assert page.getheader("Cache-Control") == "public, max-age=60, stale-while-revalidate=300"
    sign_in = served.get("/accounts/login/")
    cookies = sign_in.headers.get_all("Set-Cookie")
    assert cookies and sign_in.getheader("Cache-Control").startswith("max-age=0")
    for cookie in cookies:
        assert "; Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie

    fragment = served.get("/proposals/?q=drones", **{"HX-Request": "true"})
    assert fragment.status == 200 and b"<html" not in fragment.body
    assert_policy_headers(fragment)

    csv = served.get("/export/proposals.csv")
    assert csv.status == 200 and csv.getheader("Content-Type").startswith("text/csv")
    assert UN.encode() in csv.body
    assert_policy_headers(csv)

    # Static files are collected with hashed names, compressed and cached for good.
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
    static = served.get(stylesheet, **{"Accept-Encoding": "br, gzip"})
    assert static.status == 200
    assert static.getheader("Content-Encoding") in ("br", "gzip")
    assert "immutable" in static.getheader("Cache-Control")
    assert static.getheader("Access-Control-Allow-Origin") is None
    assert_policy_headers(static)


def test_plain_http_is_redirected_to_https(served):
    response = served.get(f"/proposals/{UN}/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/proposals/{UN}/"
    assert_policy_headers(response, https=False)


def test_the_sites_own_error_pages_are_served(served):
    missing = served.get("/proposals/no-such-proposal/")
    assert missing.status == 404 and b"Page not found" in missing.body
    bad_host = served.get("/", Host="attacker.example")
    assert bad_host.status == 400 and b"Bad request" in bad_host.body
    assert inline_code(bad_host.body.decode()) == []


def test_every_log_line_is_one_request_or_one_event(served):
    served.get("/proposals/?q=naval")
    lines = served.wait_for_log('"GET /proposals/?q=naval HTTP/1.1" 200')
    stamp = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    )
    # What make prints before gunicorn starts (the checks, the migrations) is not the server's log.
    start = next(n for n, line in enumerate(lines) if "Starting gunicorn" in line)
    logged = lines[start:]
    assert all(stamp.match(line) for line in logged), logged


@pytest.mark.skipif(
    not ON_POSTGRES, reason="the outage is simulated between the app and PostgreSQL"
)
def test_a_database_outage_gives_503s_and_the_site_heals_by_itself(served):
    assert served.get("/").status == 200

    served.relay.stop()
    try:
        for path in ("/", f"/proposals/{UN}/", "/proposals/?q=drones", "/export/layers.csv"):
            # The timeout is the promise: an answer within seconds, never a hang.
            response = served.get(path, timeout=10)
            assert response.status == 503, path
            assert response.getheader("Retry-After") == "30"
            html = response.body.decode()
            assert "database is not answering just now" in html
            assert "Traceback" not in html and "OperationalError" not in html
            assert inline_code(html) == []
            assert_policy_headers(response)
        health = served.get("/healthz")
        assert (health.status, health.body) == (503, b"database unavailable")
    finally:
        served.relay.start()

    # Every worker reconnects on its own: no restart.
    assert [served.get("/").status for _ in range(6)] == [200] * 6
    assert served.get(f"/proposals/{UN}/").status == 200
    health = served.get("/healthz")
    assert (health.status, health.body) == (200, b"ok")

    errors = [line for line in served.output() if " ERROR django.request " in line]
    assert any("Service Unavailable: /" in line for line in errors)


@pytest.mark.skipif(not ON_POSTGRES, reason="the lock is PostgreSQL's")
def test_servers_starting_together_migrate_one_at_a_time(served):
    """Each server migrates as it starts; a second one waits for the first instead of racing."""
    from proposals.management.commands.migrate import LOCK_KEY

    holder = postgres_connection(served.dbname)  # a first server, busy migrating
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        second = subprocess.Popen(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env=served.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        deadline = time.monotonic() + 60
        while holder.execute(waiting).fetchone()[0] == 0:
            assert second.poll() is None, second.communicate()[0]
            assert time.monotonic() < deadline, "the second migrate never asked for the lock"
            time.sleep(0.1)
        assert second.poll() is None  # it waits
        holder.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        output = second.communicate(timeout=120)[0]
        assert second.returncode == 0, output
        assert "No migrations to apply." in output
    finally:
        holder.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="the stuck request waits on a PostgreSQL lock")
def test_a_stuck_request_holds_no_one_else_up_and_ends_its_worker(served, tmp_path):
    """While one worker is stuck, new readers go to the free one; past `timeout` gunicorn ends
    the stuck worker and starts another."""
    port = free_port()
    env = served.env | {
        "WEB_CONCURRENCY": "2",
        "GUNICORN_CMD_ARGS": "--timeout 4",
        "PORT": str(port),
    }
    with contextlib.ExitStack() as cleanup, (tmp_path / "serve.log").open("w") as log:
        # gunicorn as `make serve` starts it, on the database and static files `served` prepared.
        process = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "--config", "config/gunicorn.conf.py"]
            + ["config.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        cleanup.callback(process.wait, timeout=30)
        cleanup.callback(process.terminate)
        server = Served(port, tmp_path / "serve.log", None, env, served.dbname)
        wait_until_up(process, server, time.monotonic() + 120)
        holder = postgres_connection(served.dbname)
        cleanup.callback(holder.close)
        holder.autocommit = False
        holder.execute("LOCK TABLE proposals_proposal IN ACCESS EXCLUSIVE MODE")

        stuck = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        cleanup.callback(stuck.close)
        stuck.sendall(
            f"GET /proposals/?q=stuck HTTP/1.1\r\nHost: {HOST}\r\n"
            "X-Forwarded-Proto: https\r\n\r\n".encode()
        )
        sent = time.monotonic()
        waiting = "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted"
        observer = postgres_connection(served.dbname)
        cleanup.callback(observer.close)
        deadline = time.monotonic() + 20
        while observer.execute(waiting, ["proposals_proposal"]).fetchone()[0] == 0:
            assert time.monotonic() < deadline, "the request never waited on the lock"
            time.sleep(0.1)

        # New readers, each on a new connection, are answered by the free worker at once.
        for _ in range(6):
            started = time.monotonic()
            assert server.get("/healthz", timeout=3).status == 200
            assert time.monotonic() - started < 2

        # Past the timeout gunicorn aborts the stuck worker: a bare 500, no traceback.
        answer = b""
        while chunk := stuck.recv(65536):
            answer += chunk
        assert 4 < time.monotonic() - sent < 15
        assert answer.startswith(b"HTTP/1.1 500 "), answer
        assert b"Traceback" not in answer and b"proposals_proposal" not in answer
        holder.rollback()
        lines = server.wait_for_log("WORKER TIMEOUT")
        assert any("CRITICAL gunicorn.error WORKER TIMEOUT" in line for line in lines)

        # gunicorn has started another worker: both answer again.
        assert [server.get("/proposals/?q=drones").status for _ in range(4)] == [200] * 4
