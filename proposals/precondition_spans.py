"""Each precondition's status over time (models.PreconditionSpan), for the picture of a past
day: the list's precondition facet and filter read the rows in force that day instead of
looking up, beside every precondition, the status change then in force.

A proposal's rows are rewritten, in the same transaction, after every save or delete of one of
its preconditions (with its tallies: proposals.search) and of one of their status changes (once
proposals.supersession has dated it), and after the bulk inserts of demo_data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save, pre_save

from .models import Precondition, PreconditionSpan, Proposal, StatusChange

CHUNK = 500


def spans_of(proposal_ids: list[int]) -> list[PreconditionSpan]:
    """A row per status change of these proposals' preconditions, from the day it was made
    (before the first: always) until the next one; a row with its status for a precondition
    whose status never changed on record."""
    spans, changed = [], set()
    rows = (
        StatusChange.objects.filter(precondition__proposal_id__in=proposal_ids)
        .order_by("precondition_id", "changed_on", "pk")
        .values_list(
            "precondition__proposal_id",
            "precondition_id",
            "status",
            "changed_on",
            "is_first",
            "superseded_on",
        )
    )
    for proposal, precondition, status, changed_on, is_first, until in rows:
        changed.add(precondition)
        since = None if is_first else changed_on
        if until is None or since is None or until > since:  # else replaced the same day
            spans.append(
                PreconditionSpan(
                    proposal_id=proposal,
                    precondition_id=precondition,
                    status=status,
                    since=since,
                    until=until,
                )
            )
    for pk, proposal, status in Precondition.objects.filter(
        proposal_id__in=proposal_ids
    ).values_list("pk", "proposal_id", "status"):
        if pk not in changed:
            spans.append(PreconditionSpan(proposal_id=proposal, precondition_id=pk, status=status))
    return spans


def refresh(proposal_ids: Iterable[int | None]) -> None:
    """Rewrite the rows of these proposals."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        PreconditionSpan.objects.filter(proposal_id__in=chunk).delete()
        PreconditionSpan.objects.bulk_create(spans_of(chunk))


def before_save(sender, instance, **kwargs) -> None:
    """Note the proposal a status change was on before an edit (it may move to another)."""
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._spans_before = (
        StatusChange.objects.filter(pk=instance.pk).values_list("proposal_id", flat=True).first()
    )


def after_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    origin = kwargs.get("origin")
    if issubclass(getattr(origin, "model", type(origin)), (Proposal, Precondition)):
        # Its preconditions go too (still there now): their own deletion rewrites the rows.
        return
    before = getattr(instance, "_spans_before", None)
    instance._spans_before = None
    refresh({instance.proposal_id, before})


def connect() -> None:
    """After proposals.supersession's receivers, so that the changes are dated first."""
    pre_save.connect(before_save, sender=StatusChange, dispatch_uid="precondition-spans-pre")
    post_save.connect(after_change, sender=StatusChange, dispatch_uid="precondition-spans-save")
    post_delete.connect(after_change, sender=StatusChange, dispatch_uid="precondition-spans-del")
