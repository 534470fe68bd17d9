"""How often one address may call the API: API_THROTTLE_RATE (default 60 a minute)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from config.security import client_ip

from ..cached import safe


class PerAddressThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, counted on the shared cache, per client address as the rest of
    the site sees it (behind the proxy: the address the proxy saw, never one a client wrote).
    A cache that is down lets the request through rather than failing it."""

    cache = safe

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE  # read per request, so tests and settings can change it

    def get_ident(self, request) -> str:
        return client_ip(request)
