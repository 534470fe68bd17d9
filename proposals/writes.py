"""The one path by which every change to the data is written: the editing views, the admin, imports.

Every writer takes its locks in one order, so that two writers can never wait on each other:
1. the proposal row(s) the change concerns, in ascending id;
2. the record itself (SELECT … FOR UPDATE), whose version is then checked;
3. shared rows last: the data version, raised once as the transaction's last statement.
Whatever the change writes is recorded in the history under the analyst who made it.

What other records derive from a change is settled here too, in the same transaction: a proposal's
backers follow its positions, and a proposal's or precondition's status its latest dated change.
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
from .models import (
    BACKING,
    Commitment,
    DataVersion,
    Event,
    Position,
    Precondition,
    Proposal,
    StatusChange,
    VersionedModel,
    proposal_id_of,
)

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


def concerned(instance: models.Model) -> list[int | None]:
    """The proposals a change of `instance` concerns, to lock before it is written: its own, and
    those whose stored number of unsourced claims it changes (an event's, or those that relate
    to a proposal being published: proposals.unsourced)."""
    from . import unsourced

    return [proposal_id_of(instance), *unsourced.concerned(instance)]


def save(instance: VersionedModel, expected: int, user, write: Callable[[], T]) -> T:
    """Run `write` (which saves `instance`) only if the record is still at version `expected`."""
    with change(user, concerned(instance)):
        current = lock_version(instance, expected)
        instance.version = current.version
        result = write()
        settle(instance)
        return result


def create(
    user, proposal_id: int | None, write: Callable[[], T], concerns: Iterable[int | None] = ()
) -> T:
    """Run `write`, which creates records of one proposal (IntegrityError if one exists);
    `concerns`: other proposals it changes (concerned() of the record before it is saved)."""
    with change(user, [proposal_id, *concerns]):
        result = write()
        if isinstance(result, models.Model):
            settle(result)
        return result


def delete(instance: models.Model, expected: int | None, user) -> None:
    """Delete the version of the record the analyst confirmed (any version if `expected` is None)."""
    with change(user, concerned(instance)):
        if expected is not None:
            lock_version(instance, expected)
        instance.delete()
        settle(instance)


def settle(instance: models.Model) -> None:
    """Bring what derives from `instance` up to date (after it was saved or deleted)."""
    if isinstance(instance, Position):
        sync_backers(instance.proposal_id)
    elif isinstance(instance, Commitment) and instance.pk is not None:
        # Whoever commits to a layer contributes to it (kept after a deletion: say so by hand).
        instance.layer.contributors.add(instance.actor_id)
    elif isinstance(instance, StatusChange):
        sync_status(instance.proposal_id, instance.precondition_id)


def sync_backers(proposal_id: int) -> None:
    """The proposal's backers: actors whose latest position is to propose or support it."""
    latest: dict[int, str] = {}
    for actor_id, stance in (
        Position.objects.filter(proposal_id=proposal_id)
        .order_by("stated_on", "pk")
        .values_list("actor_id", "stance")
    ):
        latest[actor_id] = stance
    backers = {actor for actor, stance in latest.items() if stance in BACKING}
    proposal = Proposal.objects.get(pk=proposal_id)
    if set(proposal.proponents.values_list("pk", flat=True)) != backers:
        proposal.proponents.set(backers)


def sync_status(proposal_id: int, precondition_id: int | None) -> None:
    """A proposal's or precondition's status: that of its latest dated change, if any."""
    latest = (
        StatusChange.objects.filter(proposal_id=proposal_id, precondition_id=precondition_id)
        .order_by("-changed_on", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    if latest is None:
        return
    record = (
        Precondition.objects.get(pk=precondition_id)
        if precondition_id
        else Proposal.objects.get(pk=proposal_id)
    )
    if record.status != latest:
        record.status = latest
        record.save()


def remove_event(event: Event, proposal: Proposal, user) -> None:
    """Take an event off a proposal's timeline; it stays on the other proposals' timelines."""
    with change(user, [proposal.pk]):
        if event.proposals.exclude(pk=proposal.pk).exists():
            event.proposals.remove(proposal)
        else:
            event.delete()


def record_status_change(
    proposal: Proposal, precondition: Precondition | None, status: str, day, note: str = ""
) -> StatusChange:
    """A dated status change (one a day per record: a second that day replaces the first)."""
    changed, _ = StatusChange.objects.update_or_create(
        proposal=proposal,
        precondition=precondition,
        changed_on=day,
        defaults={"status": status, "note": note},
    )
    settle(changed)
    return changed
