"""Figures computed once per state of the data (see DataVersion), in the cache."""

from django.core.cache import cache

from .models import DataVersion

# A key of an older data version is never read again; it only waits this long to expire.
SECONDS = 600


def per_data_version(key: str, compute):
    """`compute()`, done once per state of the data for this key."""
    key = f"{key}:{DataVersion.current()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, SECONDS)
    return value
