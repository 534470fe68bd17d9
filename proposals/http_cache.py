"""HTTP caching of the public pages, fragments, CSV files, feeds and the API.

For a reader (a request with no session cookie), every public GET or HEAD gets an ETag made of the
code's build, the data version, the day and what the response varies on, and the time of the
last change as Last-Modified. A matching If-None-Match (or, without one, If-Modified-Since)
answers 304 before any view runs; otherwise a rendered page is served from the shared cache when
another request of the same state of the data rendered it already. Responses to readers say
`Cache-Control: public, max-age=60, stale-while-revalidate=300`, so a proxy or CDN can serve a
spike; responses to anyone signed in say `private, no-store`.

Nothing is ever invalidated: a change to the data raises the version (DataVersion), which is in
every key and ETag, so the next request on any server misses and renders afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from . import cached, releases

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
PRIVATE = "private, no-store"
# Public pages by URL name (the API's are all those whose name starts with "api-").
PUBLIC_PAGES = frozenset(
    {
        "dashboard",
        "proposal-list",
        "proposal-detail",
        "proposal-history",
        "actor-list",
        "actor-detail",
        "compare",
        "about",
        "data",
        "data-release",
        "source-detail",
        "feed-changes",
        "proposal-feed",
    }
)
# Pages that show the release files, which change without the data changing: their ETags
# include the files' state (releases.folder_state).
RELEASE_PAGES = frozenset({"data", "data-release"})
# Rendered responses kept in the cache: pages, fragments and feeds. Not the API, whose requests
# count against a reader's rate limit, nor files, which stream (CSV blocks have their own cache),
# nor the list of releases (one directory listing, no query).
RENDERED = PUBLIC_PAGES - RELEASE_PAGES
# A larger response is rendered each time rather than filling the cache.
MAX_CACHED_BYTES = 2 * 1024 * 1024
# What a response depends on besides its address: htmx asks for fragments of the same page.
VARIES_ON = ("HTTP_HX_REQUEST", "HTTP_HX_HISTORY_RESTORE_REQUEST", "HTTP_HX_TARGET")
# Headers a cached response is stored with; the outer middleware adds the policy headers.
KEPT_HEADERS = frozenset(
    {"content-type", "content-disposition", "content-language", "vary", "hx-push-url", "allow"}
)


def is_public(match: ResolverMatch | None) -> bool:
    if match is None or match.url_name is None:
        return False
    return match.url_name in PUBLIC_PAGES or match.url_name.startswith(("api-", "export-"))


def is_personal(request: HttpRequest) -> bool:
    """A request that may be someone's own: signed in, or carrying a session (whose page could
    say something to that person alone). Readers have no session cookie at all."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def made_for_one(request: HttpRequest, response: HttpResponse) -> bool:
    """A response that sets a cookie, or holds a CSRF token (whose cookie the CSRF middleware
    sets on the way out), belongs to one reader: never shared."""
    return bool(response.cookies) or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


class Variant:
    """What one public response is, for the ETag, the Last-Modified and the cache key."""

    def __init__(self, request: HttpRequest) -> None:
        state = cached.state()
        code, built = cached.build()
        today = dt.datetime.now(dt.UTC).date()
        what = "\n".join(
            [request.scheme, request.get_host(), request.get_full_path()]
            + [request.META.get(name, "") for name in VARIES_ON]
        )
        if request.resolver_match.url_name in RELEASE_PAGES:
            what += "\n" + releases.folder_state()
        digest = hashlib.blake2b(what.encode(), digest_size=10).hexdigest()
        self.etag = f'"{code}.{state.key}.{today:%Y%m%d}.{digest}"'
        # The page may say something new at midnight (what counts as in the future), or after a
        # deploy, even when the data did not change.
        midnight = dt.datetime.combine(today, dt.time(), dt.UTC)
        self.last_modified = max(filter(None, [state.changed_at, built, midnight]))
        self.key = f"page:{self.etag}"

    def headers(self, response: HttpResponse) -> None:
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified.timestamp())
        response["Cache-Control"] = PUBLIC
        # A signed-in analyst's page differs, and htmx asks for fragments at the same address.
        patch_vary_headers(response, ("Cookie", "HX-Request"))


class HttpCacheMiddleware:
    """After the authentication and htmx middleware: it reads `request.user` and `request.htmx`
    only through the views it lets run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with cached.request_scope():
            response = self.get_response(request)
        variant: Variant | None = getattr(request, "_public_variant", None)
        if is_personal(request):
            response["Cache-Control"] = PRIVATE
        elif variant is None:
            pass
        elif response.status_code == 200 and not made_for_one(request, response):
            variant.headers(response)
            if getattr(request, "_store_rendered", False) and not response.streaming:
                self.store(variant, response)
        elif response.status_code != 304:
            # An error or a redirect is for this moment only: a proxy must not keep it.
            response["Cache-Control"] = "no-store"
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method not in {"GET", "HEAD"} or not is_public(request.resolver_match):
            return None
        if is_personal(request):
            return None
        variant = request._public_variant = Variant(request)
        not_modified = get_conditional_response(
            request, etag=variant.etag, last_modified=int(variant.last_modified.timestamp())
        )
        if not_modified is not None:  # 304 (or 412 for a failed If-Match)
            if not_modified.status_code == 304:
                variant.headers(not_modified)
            return not_modified
        if request.resolver_match.url_name not in RENDERED:
            return None
        stored = cached.get(variant.key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        request._store_rendered = True
        return None

    def store(self, variant: Variant, response: HttpResponse) -> None:
        if len(response.content) > MAX_CACHED_BYTES:
            return
        headers = [
            (name, value) for name, value in response.items() if name.lower() in KEPT_HEADERS
        ]
        cached.set(variant.key, (response.content, headers))
