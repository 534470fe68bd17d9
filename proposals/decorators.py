"""Who may write: analysts only (proposals.models.is_analyst)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from .models import is_analyst


class Gone(Exception):
    """The record a change was meant for was deleted meanwhile; `response` says so."""

    def __init__(self, response: HttpResponse):
        super().__init__("The record was deleted meanwhile.")
        self.response = response


def analyst_required(view: Callable) -> Callable:
    """Anonymous readers are sent to sign in (or refused a POST); other users are refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.method in {"GET", "HEAD"}:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("Sign in as an analyst to make changes.")
        if not is_analyst(request.user):
            raise PermissionDenied("Only analysts can make changes.")
        try:
            return view(request, *args, **kwargs)
        except Gone as gone:
            return gone.response

    return wrapper


def editable_view(view: Callable) -> Callable:
    """A form of analysts' (GET shows it, POST saves it)."""
    return require_http_methods(["GET", "POST"])(analyst_required(view))
