"""The security headers, cookies and error pages a reader's browser gets, as it gets them."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import override_settings

from config.views import server_error

from .conftest import HTMX
from .html_guard import inline_code

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
UN = "un-peacekeeping-mission"

# One of each kind of response: a page, an htmx fragment, a CSV download, a static file, a redirect.
RESPONSES = {
    "page": ("/", {}, 200),
    "proposal page": (f"/proposals/{UN}/", {}, 200),
    "fragment": ("/proposals/?q=drones", HTMX, 200),
    "csv download": ("/export/proposals.csv?status=floated", {}, 200),
    "static file": ("/static/css/site.css", {}, 200),
    "htmx itself": ("/static/django_htmx/htmx-2.min.js", {}, 200),
    "not found": ("/no-such-page/", {}, 404),
    "api list": ("/api/proposals/?status=floated", {}, 200),
    "api record": (f"/api/proposals/{UN}/", {}, 200),
    "api error": ("/api/proposals/?status=nonsense", {}, 400),
    "api schema": ("/api/schema/", {}, 200),
    "api docs": ("/api/docs/", {}, 200),
    "site feed": ("/feeds/changes.atom", {}, 200),
    "proposal feed": (f"/proposals/{UN}/feed.atom", {}, 200),
    "data releases": ("/data/", {}, 200),
}
# Open data any site may read from a browser (CORS): the API and the feeds.
SHARED = {
    "api list",
    "api record",
    "api error",
    "api schema",
    "api docs",
    "site feed",
    "proposal feed",
}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_kind_of_response_carries_every_security_header(client, seeded, kind):
    path, headers, status = RESPONSES[kind]
    response = client.get(path, secure=True, **headers)
    assert response.status_code == status
    if kind == "fragment":
        assert b"<html" not in response.content
    if kind == "csv download":
        assert response["Content-Type"].startswith("text/csv")

    csp = csp_directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]

    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 365 * 24 * 3600
    assert "includeSubDomains" in hsts
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == (
        "cross-origin" if kind in SHARED else "same-origin"
    )
    assert "Access-Control-Allow-Origin" not in response  # no Origin asked (tests/test_api.py)
    assert "camera=()" in response["Permissions-Policy"]


def test_plain_http_is_redirected_to_https_with_the_same_headers(client, seeded):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/proposals/?status=floated&q=un")
        assert response.status_code == 301
        assert response["Location"] == "https://testserver/proposals/?status=floated&q=un"
        assert csp_directives(response)["default-src"] == ["'none'"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
        # HSTS only means something over HTTPS, so it is not sent over plain HTTP.
        assert "Strict-Transport-Security" not in response


def test_the_proxys_x_forwarded_proto_marks_a_request_as_https(client, seeded):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200
        assert "Strict-Transport-Security" in response
        # Anything but "https" from the proxy is plain HTTP.
        assert client.get("/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def test_x_forwarded_proto_from_anyone_but_the_proxy_is_ignored(client, seeded):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/", REMOTE_ADDR="192.0.2.77", HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 301
        assert "Strict-Transport-Security" not in response
        with override_settings(FORWARDED_ALLOW_IPS=["192.0.2.77"]):
            trusted = client.get("/", REMOTE_ADDR="192.0.2.77", HTTP_X_FORWARDED_PROTO="https")
            assert trusted.status_code == 200


def test_load_balancers_probe_healthz_over_plain_http(client, seeded):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = client.get("/healthz")
        assert (response.status_code, response.content) == (200, b"ok")


def cookie_flags(response, name) -> dict:
    morsel = response.cookies[name]
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }


def test_cookies_are_secure_samesite_and_httponly(client, analyst):
    page = client.get("/accounts/login/", secure=True)
    assert cookie_flags(page, "csrftoken") == {"secure": True, "httponly": True, "samesite": "Lax"}
    token = page.cookies["csrftoken"].value
    client_with_checks = type(client)(enforce_csrf_checks=True)
    client_with_checks.cookies["csrftoken"] = token
    signed_in = client_with_checks.post(
        "/accounts/login/",
        {"username": "alice", "password": "analyst-pass-2025", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert signed_in.status_code == 302
    assert cookie_flags(signed_in, "sessionid") == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
    }


def test_htmx_is_served_from_the_site_and_configured_for_the_policy(client, seeded):
    html = client.get("/").content.decode()
    script = re.search(r'<script src="(/static/django_htmx/htmx-2(\.min)?\.js)" defer>', html)
    assert client.get(script.group(1)).status_code == 200
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False


# The site's own error pages.


def test_an_unknown_host_gets_the_sites_400_page(client, seeded):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert b"Bad request" in response.content
    assert b"Ceasefire Monitor" in response.content


def test_a_reader_who_may_not_edit_gets_the_sites_403_page(outsider_client, seeded):
    response = outsider_client.get(f"/proposals/{UN}/edit/")
    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_a_write_without_its_csrf_token_gets_the_sites_403_page(analyst, seeded):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post(f"/proposals/{UN}/edit/", {"title": "Changed"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert "Nothing was saved" in html
    assert inline_code(html) == []


def test_an_unknown_address_gets_the_sites_404_page(client, seeded):
    response = client.get("/proposals/no-such-proposal/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Browse all proposals" in response.content


def test_an_unexpected_error_gets_the_sites_500_page(rf):
    request = rf.get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "a bug" not in html and "Traceback" not in html
    assert "Retry-After" not in response
    assert inline_code(html) == []


def test_an_unreachable_database_gets_the_503_page_with_retry_after(rf):
    request = rf.get("/")
    try:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "database is not answering just now" in html
    assert "5432" not in html
    assert inline_code(html) == []


# No inline script or style anywhere.


def test_the_guard_finds_every_kind_of_inline_code():
    assert inline_code('<p>on="x" style="y" is text</p><script src="/a.js"></script>') == []
    found = inline_code(
        "<script>alert(1)</script><style>p{}</style>"
        '<p style="color:red" onclick="x()"><a href="javascript:x()">a</a></p>'
        '<script src="/a.js">alert(1)</script>'
    )
    assert found == [
        "an inline <script> element",
        "a <style> element",
        'style="color:red" on <p>',
        "onclick= on <p>",
        "a javascript: address in href on <a>",
        "code inside a <script src> element",
    ]


TEMPLATE_FILES = sorted(
    path.relative_to(BASE_DIR)
    for folder in (BASE_DIR / "templates", BASE_DIR / "proposals" / "templates")
    for path in folder.rglob("*.html")
)


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=str)
def test_no_template_holds_inline_script_or_style(template):
    """Beside the guard on every rendered page (tests/html_guard.py), the sources themselves."""
    source = (BASE_DIR / template).read_text()
    assert inline_code(source) == []
