"""The one path by which every change to the data is written: the editing views, the admin, imports.

Every writer takes its locks in one order, so that two writers can never wait on each other:
1. the proposal row(s) the change concerns, in ascending id;
2. the record itself (SELECT … FOR UPDATE), whose version is then checked;
3. shared rows last: the data version, raised once as the transaction's last statement.
Whatever the change writes is recorded in the history under the analyst who made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TypeVar

from django.db import models, transaction
from simple_history.models import HistoricalRecords

from .history import Since, changes_since
from .models import DataVersion, Event, Proposal, VersionedModel, proposal_id_of

T = TypeVar("T")


class Conflict(Exception):
    """Someone saved (or deleted) the record after the analyst opened it."""

    def __init__(self, current: VersionedModel | None, since: Since | None):
        super().__init__("The record changed since it was opened.")
        self.current = current  # None: it was deleted
        self.since = since


@dataclass
class _Change:
    user: object
    wrote: bool = False


_active: ContextVar[_Change | None] = ContextVar("write", default=None)


def note_write() -> bool:
    """Called for every saved row (proposals.search): inside a change, the data version is raised
    once at its end, so say that something was written; outside one, the caller raises it."""
    change = _active.get()
    if change is None:
        return False
    change.wrote = True
    return True


@contextmanager
def change(user, proposal_ids: Iterable[int | None] = ()) -> Iterator[None]:
    """One transaction for one change, with the proposals it concerns locked first.

    Nested inside another change (the admin's inline forms), it only locks its proposals.
    """
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    if _active.get() is not None:
        lock_proposals(ids)
        yield
        return
    with transaction.atomic():
        lock_proposals(ids)
        state = _Change(user)
        token = _active.set(state)
        context = HistoricalRecords.context
        previous = getattr(context, "request", None)
        if user is not None:
            context.request = SimpleNamespace(user=user)
        try:
            yield
        finally:
            _active.reset(token)
            if user is not None:
                context.request = previous
        if state.wrote:
            DataVersion.bump()


def lock_proposals(ids: Iterable[int]) -> None:
    """Lock proposals in ascending id (outside a transaction each statement stands alone)."""
    ids = sorted(set(ids))
    if ids and transaction.get_connection().in_atomic_block:
        list(Proposal.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def lock_version(instance: VersionedModel, expected: int) -> VersionedModel:
    """The record as it is now, locked; Conflict unless it is still at the version expected."""
    model = type(instance)
    current = model.objects.select_for_update().filter(pk=instance.pk).first()
    if current is None:
        raise Conflict(None, None)
    if current.version != expected:
        raise Conflict(current, changes_since(current, expected))
    return current


def save(instance: VersionedModel, expected: int, user, write: Callable[[], T]) -> T:
    """Run `write` (which saves `instance`) only if the record is still at version `expected`."""
    with change(user, [proposal_id_of(instance)]):
        current = lock_version(instance, expected)
        instance.version = current.version
        return write()


def create(user, proposal_id: int | None, write: Callable[[], T]) -> T:
    """Run `write`, which creates records of one proposal (IntegrityError if one exists)."""
    with change(user, [proposal_id]):
        return write()


def delete(instance: models.Model, expected: int | None, user) -> None:
    """Delete the version of the record the analyst confirmed (any version if `expected` is None)."""
    with change(user, [proposal_id_of(instance)]):
        if expected is not None:
            lock_version(instance, expected)
        instance.delete()


def remove_event(event: Event, proposal: Proposal, user) -> None:
    """Take an event off a proposal's timeline; it stays on the other proposals' timelines."""
    with change(user, [proposal.pk]):
        if event.proposals.exclude(pk=proposal.pk).exists():
            event.proposals.remove(proposal)
        else:
            event.delete()
