"""What the site does to protect itself and its readers, beyond Django's own middleware."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class CrossOriginHeadersMiddleware:
    """Headers Django does not set itself, on every response: pages, fragments, CSV downloads and,
    because this runs outside WhiteNoise, static files too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Other sites may not embed or read our responses, not even as an image or a script.
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # The site uses none of these browser features; say so, so an injected script cannot either.
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        return response


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, for login throttling.

    With no proxy in front (DJANGO_PROXY_COUNT=0, the default) that is the connection's address and
    X-Forwarded-For is ignored, because anyone can send it. Behind N proxies, each of which appends
    the address it received the request from, it is the N-th address from the right: the one the
    outermost proxy saw. Whatever a client wrote further left is never trusted.
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
