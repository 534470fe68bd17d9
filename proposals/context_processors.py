from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import is_analyst
from .workspace import waiting


def analyst(request: HttpRequest) -> dict:
    # Lazy, so that pages that never ask cost no query. A request refused before the
    # authentication middleware ran (a bad Host header, say) has no user: it is no analyst.
    user = getattr(request, "user", None)
    analyst = SimpleLazyObject(lambda: user is not None and is_analyst(user))
    return {"is_analyst": analyst, "workspace_waiting": lambda: waiting(user) if analyst else 0}
