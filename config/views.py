"""The site's own answers when something goes wrong: errors, an unreachable database, a lockout."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# How long a reader should wait before trying again while the database is away, in seconds.
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 with Retry-After when the database fails (it cannot be reached, or it
    timed out, deadlocked or has no connection to spare: all worth retrying), a 500 otherwise.

    Both pages are rendered without the request's context, because its context processors would
    ask the very database that may be gone.
    """
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        response = HttpResponse(
            loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS}),
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What django-axes answers once a username has failed too often from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
