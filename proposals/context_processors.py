from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import is_analyst
from .workspace import waiting


def analyst(request: HttpRequest) -> dict:
    # Lazy, so that pages that never ask cost no query. A request refused before the
    # authentication middleware ran (a bad Host header, say) has no user: it is no analyst.
    user = getattr(request, "user", None)
    analyst = SimpleLazyObject(lambda: user is not None and is_analyst(user))

    def waiting_now() -> int:
        if not analyst:
            return 0
        # The workspace has just counted its queues: the same figure, not a second count.
        counted = getattr(request, "workspace_waiting", None)
        return waiting(user) if counted is None else counted

    return {"is_analyst": analyst, "workspace_waiting": waiting_now}
