"""How many of each proposal's claims no citation supports, stored on the proposal
(`unsourced_claims`), so that the analysts' queue of unsourced claims and its count read a column
instead of looking for a citation of every claim of every proposal.

The claims counted are those proposals.claims.unsourced() lists: the proposal itself, its layers,
preconditions, positions, commitments and status changes, its links to events no citation
supports, and its relations to published proposals. A proposal's count is worked out again, in
the same transaction, after every save or delete of one of these records or of a citation (of
each proposal it concerns, before and after the change), of an event and its links, and of a
proposal (whose being published counts for the proposals that relate to it). demo_data and
`manage.py refresh_derived` work out every proposal's after their bulk writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    Exists,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from . import search, writes
from .claims import uncited_records
from .models import (
    Citation,
    Commitment,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
    proposal_id_of,
)
from .prepared import Prepared

CHUNK = 500
# The records whose saves and deletions change a count.
CLAIMS = (Layer, Precondition, Position, Commitment, StatusChange, ProposalRelation, Citation)


def counted():
    """The number of a proposal's unsourced claims, as an expression on the proposal row."""
    itself = Case(
        When(Exists(Citation.objects.filter(proposal=OuterRef("pk"))), then=Value(0)),
        default=Value(1),
    )
    total = itself
    for records, path in uncited_records().values():
        rows = (
            records.filter(**{path: OuterRef("pk")})
            .order_by()
            .values(path)
            .annotate(n=Count("*"))
            .values("n")
        )
        total = total + Coalesce(Subquery(rows), Value(0))
    return total


# Each proposal's count as stored and as it should be: compiled once per process (it is long),
# since every save of a claim runs it.
COUNTS = Prepared(
    lambda ids: (
        Proposal.objects.filter(pk__in=ids)
        .annotate(counted=counted())
        .values_list("pk", "unsourced_claims", "counted")
    )
)


def refresh(proposal_ids: Iterable[int | None]) -> None:
    """Count again the unsourced claims of these proposals, and store the counts that changed:
    an update, not a save (no new version, no history entry, no signal)."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        changed: dict[int, list[int]] = defaultdict(list)
        for pk, stored, count in COUNTS(ids[start : start + CHUNK]):
            if stored != count:
                changed[count].append(pk)
        for count, pks in changed.items():
            Proposal.objects.filter(pk__in=pks).update(unsourced_claims=count)


def total(proposals: QuerySet[Proposal]) -> int:
    """How many unsourced claims these proposals have (only those with any are read)."""
    return proposals.filter(unsourced_claims__gt=0).aggregate(n=Sum("unsourced_claims"))["n"] or 0


def concerned(instance: Model) -> set[int]:
    """The proposals whose counts a change of this record can change (proposals.writes locks
    them before the change)."""
    if instance.pk is None and isinstance(instance, (Proposal, Event)):
        return set()  # nothing relates to it yet
    if isinstance(instance, Proposal):
        # Its own claim, and the relations of others to it (which count while it is published).
        return {instance.pk} | set(
            ProposalRelation.objects.filter(other=instance.pk).values_list("proposal_id", flat=True)
        )
    if isinstance(instance, Event):
        return set(
            Event.proposals.through.objects.filter(event=instance.pk).values_list(
                "proposal_id", flat=True
            )
        )
    if isinstance(instance, Citation) and instance.event_id:  # every proposal of the event
        return set(
            Event.proposals.through.objects.filter(event=instance.event_id).values_list(
                "proposal_id", flat=True
            )
        )
    return {proposal_id_of(instance)} - {None}


def before_save(sender, instance, **kwargs) -> None:
    """Note the proposals a record concerned before an edit (it may move to another)."""
    if kwargs.get("raw") or instance.pk is None:
        return
    old = sender.objects.filter(pk=instance.pk).first()
    instance._unsourced_before = concerned(old) if old is not None else set()


def before_delete(sender, instance, **kwargs) -> None:
    """Note the proposals now: their links and the record's parents may go first."""
    instance._unsourced_before = concerned(instance)


def after_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    ids = getattr(instance, "_unsourced_before", set())
    instance._unsourced_before = set()
    if kwargs.get("signal") is not post_delete:
        ids = ids | concerned(instance)
    if search.defer(ids):
        return
    writes.lock_proposals(ids)  # in the write path's order: a relation concerns another proposal
    refresh(ids)


def after_links_change(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """An event put on, or taken off, proposals' timelines."""
    if action == "pre_clear":
        instance._unsourced_before = concerned(instance) if not reverse else {instance.pk}
    elif action in {"post_clear", "post_add", "post_remove"}:
        if action == "post_clear":
            ids = getattr(instance, "_unsourced_before", set())
        else:
            ids = {instance.pk} if reverse else set(pk_set or ())
        if not search.defer(ids):
            writes.lock_proposals(ids)
            refresh(ids)


def connect() -> None:
    for model in (*CLAIMS, Proposal, Event):
        name = model.__name__
        if model in CLAIMS:
            pre_save.connect(before_save, sender=model, dispatch_uid=f"unsourced-pre-{name}")
        pre_delete.connect(before_delete, sender=model, dispatch_uid=f"unsourced-pre-del-{name}")
        post_save.connect(after_change, sender=model, dispatch_uid=f"unsourced-save-{name}")
        post_delete.connect(after_change, sender=model, dispatch_uid=f"unsourced-del-{name}")
    m2m_changed.connect(
        after_links_change, sender=Event.proposals.through, dispatch_uid="unsourced-event-links"
    )
