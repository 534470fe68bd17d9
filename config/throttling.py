"""Login throttling: django-axes' database handler, with a failure limit for each lockout parameter.

django-axes counts failures for each item of AXES_LOCKOUT_PARAMETERS and locks out when the
largest count reaches AXES_FAILURE_LIMIT: one limit for all of them. Counted per address, that
limit would have to be as low as the one per username and address (5), and an office behind one
address would be locked out by five typos; so each item may have a limit of its own, in
LOGIN_FAILURE_LIMITS (keyed by the items of AXES_LOCKOUT_PARAMETERS, each as a tuple; an item left
out there keeps AXES_FAILURE_LIMIT). django-axes' maintainers suggest a handler for this
(jazzband/django-axes#661).

get_failures, which django-axes compares with AXES_FAILURE_LIMIT both when it records a failure and
before it lets a sign-in through, returns each item's count scaled to that limit: an item whose
count reaches its own limit reaches AXES_FAILURE_LIMIT, and none reaches it before.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _key(parameter: str | list[str]) -> tuple[str, ...]:
    return (parameter,) if isinstance(parameter, str) else tuple(parameter)


class PerParameterLimitHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        own_limits = getattr(settings, "LOGIN_FAILURE_LIMITS", {})
        scaled = [0]
        for parameter, attempts in zip(
            get_lockout_parameters(request, credentials),
            self.get_user_attempts(request, credentials),
            strict=True,
        ):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            own_limit = own_limits.get(_key(parameter), limit)
            # failures * limit // own_limit >= limit exactly when failures >= own_limit.
            scaled.append(failures * limit // own_limit if own_limit > 0 else failures)
        return max(scaled)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in forgives that username's failures from that address only.

        django-axes would clear every item's count, the whole address's among them: anyone who
        knows one password could then sign in between guesses at other usernames' and never reach
        the limit per address.
        """
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count
