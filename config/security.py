"""What the site does to protect itself and its readers, beyond Django's own middleware."""

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class CrossOriginHeadersMiddleware:
    """Headers Django does not set itself, on every response: pages, fragments, CSV downloads and,
    because this runs outside WhiteNoise, static files too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Other sites may not embed or read our responses, not even as an image or a script;
        # but for the open data that any site may read (the API and the feeds, CORS_URLS_REGEX).
        shared = re.match(settings.CORS_URLS_REGEX, request.path_info)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", "cross-origin" if shared else "same-origin"
        )
        # The site uses none of these browser features; say so, so an injected script cannot either.
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        return response


FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")


def from_trusted_proxy(request: HttpRequest) -> bool:
    trusted = settings.FORWARDED_ALLOW_IPS
    return "*" in trusted or request.META.get("REMOTE_ADDR", "") in trusted


class UntrustedForwardedHeadersMiddleware:
    """X-Forwarded-Proto and X-Forwarded-For count only when they come from the proxy.

    Django trusts X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) and login throttling reads
    X-Forwarded-For (client_ip below). From any other address (FORWARDED_ALLOW_IPS, the same list
    gunicorn uses) both are dropped before anything reads them, so a client that reaches the app
    server directly can neither pass for HTTPS nor pick its own address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for login throttling.

    Behind N proxies (DJANGO_PROXY_COUNT, 1 by default), each of which appends the address it
    received the request from to X-Forwarded-For, it is the N-th address from the right: the one
    the outermost proxy saw. Whatever a client wrote further left is never trusted, nor is the
    header at all when it did not come from the proxy (UntrustedForwardedHeadersMiddleware). With
    no such header, or DJANGO_PROXY_COUNT=0, it is the connection's own address.
    """
    count = settings.PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            candidate = forwarded[-count]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return remote
