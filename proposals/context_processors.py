from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import is_analyst


def analyst(request: HttpRequest) -> dict:
    # Lazy, so that pages that never ask cost no query.
    return {"is_analyst": SimpleLazyObject(lambda: is_analyst(request.user))}
