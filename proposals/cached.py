"""What is derived from the data, cached under the state of the data (see DataVersion).

A key names the data version it was computed from and the build of the code that computed it
(`version_key()`), so an entry is never read once the data or the code has changed, on any
server that shares the cache (CACHE_URL): correctness needs no expiry and no invalidation. Old
entries only wait for their timeout (CACHE_TIMEOUT) or, on Redis, for eviction.

The version is read once per request (one query), and again after a write in that request.
A cache that cannot be reached is a miss, never an error: the page is computed instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache as once
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    value: int
    changed_at: dt.datetime | None

    @property
    def key(self) -> str:
        # The time tells apart a version that a rolled-back transaction reached from the same
        # number reached again later.
        stamp = int(self.changed_at.timestamp() * 1_000_000) if self.changed_at else 0
        return f"{self.value}.{stamp:x}"


class _Scope:
    state: State | None = None


_scope: ContextVar[_Scope | None] = ContextVar("data_version_scope", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Read the data version at most once within this block (a request), until a write."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def forget_version() -> None:
    """The data changed (DataVersion.bump): the next read in this request asks again."""
    scope = _scope.get()
    if scope is not None:
        scope.state = None


def state() -> State:
    """The current data version and when it was reached."""
    from .models import DataVersion

    scope = _scope.get()
    if scope is not None and scope.state is not None:
        return scope.state
    current = State(*DataVersion.state())
    if scope is not None:
        scope.state = current
    return current


CODE_ROOTS = ("config", "proposals", "templates")


def build() -> tuple[str, dt.datetime]:
    """A digest of the code, templates and static files this process serves, and when the newest
    of them changed: a deploy changes what pages say without changing the data. Read once per
    process; with DEBUG (`make run`), on every request, so an edited template shows at once."""
    return _read_build() if settings.DEBUG else _build_once()


def _read_build() -> tuple[str, dt.datetime]:
    base = Path(settings.BASE_DIR)
    digest, newest = hashlib.blake2b(digest_size=6), 0.0
    files = [
        path
        for root in CODE_ROOTS
        for path in (base / root).rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".json"} and path.is_file()
    ]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not settings.DEBUG and manifest.is_file():
        files.append(manifest)  # hashed names of the static files pages link to
    for path in sorted(files):
        digest.update(
            str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode()
        )
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest(), dt.datetime.fromtimestamp(int(newest), dt.UTC)


_build_once = once(_read_build)


def version_key() -> str:
    """The build and the data version, as a part of a cache key or an ETag."""
    return f"{build()[0]}.{state().key}"


class SafeCache:
    """Django's cache, where a cache server that is down or slow is a miss and a write that
    does nothing: the site answers more slowly, never with an error."""

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return cache.get(key, default)
        except Exception:
            logger.warning("cache unavailable: get %s", key, exc_info=True)
            return default

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        try:
            return cache.get_many(keys)
        except Exception:
            logger.warning("cache unavailable: get_many", exc_info=True)
            return {}

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        try:
            cache.set(key, value, settings.CACHE_TIMEOUT if timeout is None else timeout)
        except Exception:
            logger.warning("cache unavailable: set %s", key, exc_info=True)


safe = SafeCache()
get, set = safe.get, safe.set  # noqa: A001 - the cache's own words


def per_data_version(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, done once per state of the data (and build) for this key, on every server."""
    key = f"{key}:{version_key()}"
    value = get(key)
    if value is None:
        value = compute()
        set(key, value)
    return value


def on_dated_change(sender, instance, **kwargs) -> None:
    """A position, commitment, status change or relation saved or deleted outside the write
    path (the shell, a fixture): raise the version as proposals.search does for the others."""
    from . import search, writes
    from .models import DataVersion

    if kwargs.get("raw"):
        return
    waiting = search._waiting.get()
    if waiting is not None:
        waiting.changed = True
    elif not writes.note_write():  # inside proposals.writes.change it is raised at the end
        DataVersion.bump()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Commitment, Position, ProposalRelation, StatusChange

    for model in (Position, Commitment, StatusChange, ProposalRelation):
        for signal in (post_save, post_delete):
            signal.connect(on_dated_change, sender=model, dispatch_uid=f"version-{model.__name__}")
