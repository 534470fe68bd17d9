"""Fails any test whose pages carry script or style that the Content-Security-Policy would block.

tests/conftest.py puts this middleware outermost for the whole suite, so every HTML response a
test renders (pages, fragments, error pages, the admin, the live server the browser tests use) is
checked: no inline <script>, no <style> element, no style="…" or on…="…" attribute, no
javascript: address.

The same middleware keeps a copy of every full page it sees in `rendered_pages`, for
tests/test_html_valid.py, which runs last and puts them all through the W3C Nu HTML Checker.
"""

import hashlib
import re
import threading
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from django.http import HttpRequest, HttpResponse


class InlineCodeFound(AssertionError):
    pass


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script_src = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "script":
            if "src" in names:
                self._in_script_src = True
            else:
                self.problems.append("an inline <script> element")
        if tag == "style":
            self.problems.append("a <style> element")
        for name, value in names.items():
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: address in {name} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_src = False

    def handle_data(self, data):
        if self._in_script_src and data.strip():
            self.problems.append("code inside a <script src> element")


def inline_code(html: str) -> list[str]:
    """Every piece of inline script or style in a document, described."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


@dataclass(frozen=True)
class RenderedPage:
    label: str  # method, address and status: "GET /proposals/ (200)"
    html: bytes


# The CSRF token is masked afresh for every render; without it, a page rendered twice is one page.
# (Two patterns, each with a literal start, search faster than one with two alternatives.)
_CSRF_TOKENS = [
    re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+'),  # {% csrf_token %}
    re.compile(rb'("X-CSRFToken": ")[A-Za-z0-9]+'),  # htmx's headers, in base.html
]


def page_key(html: bytes) -> bytes:
    for token in _CSRF_TOKENS:
        html = token.sub(rb"\1", html)
    return hashlib.blake2b(html, digest_size=16).digest()


class PageStore:
    """The distinct full HTML pages that readers and analysts were served in this test session.

    Only pages that a browser shows as a document count: 2xx and 4xx answers (409 and 422
    included), text/html, starting with <!doctype (not htmx fragments, redirects or 5xx pages),
    and not the admin's (Django's own markup). Pages are told apart by their body, less the CSRF
    token. So that the pages of the tests that run last (the browser tests) still get in, at most
    `per_address` are kept for one method, path, set of query parameter names and status (so
    /proposals/?q=a and ?q=b share a count, ?page=2 has its own), and `limit` in all; `dropped`
    counts the distinct ones left out, by address.
    """

    def __init__(self, limit: int = 400, per_address: int = 8):
        self.limit = limit
        self.per_address = per_address
        self.dropped: Counter[str] = Counter()
        self._pages: dict[bytes, RenderedPage] = {}
        self._per_address: Counter[tuple] = Counter()
        self._lock = threading.Lock()  # the live server answers in threads of its own

    def record(self, request: HttpRequest, response: HttpResponse) -> None:
        status = response.status_code
        if not (200 <= status < 300 or 400 <= status < 500):
            return
        if request.path.startswith("/admin/"):
            return
        body = response.content
        if not body[:64].lstrip().lower().startswith(b"<!doctype"):
            return
        key = page_key(body)
        address = (request.method, request.path, *sorted(request.GET), status)
        with self._lock:
            if key in self._pages:
                return
            if len(self._pages) >= self.limit or self._per_address[address] >= self.per_address:
                self.dropped[f"{request.method} {request.path} ({status})"] += 1
                return
            self._per_address[address] += 1
            label = f"{request.method} {request.get_full_path()} ({status})"
            self._pages[key] = RenderedPage(label, body)

    def pages(self) -> list[RenderedPage]:
        with self._lock:
            return list(self._pages.values())


rendered_pages = PageStore()


class InlineCodeGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and (problems := inline_code(response.content.decode(response.charset or "utf-8")))
        ):
            raise InlineCodeFound(f"{request.path} carries {'; '.join(problems)}")
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            rendered_pages.record(request, response)
        return response
