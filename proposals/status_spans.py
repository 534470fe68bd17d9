"""Each proposal's and precondition's status over time (models.StatusSpan), for the picture of a
past day: the list's status and precondition facets and filters read the rows in force that day
instead of looking up, beside every record, the status change then in force.

A proposal's rows are rewritten, in the same transaction, after every save or delete of it or of
one of its preconditions (with its tallies: proposals.search) and of one of their status changes
(once proposals.supersession has dated it), and after the bulk inserts of demo_data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save, pre_save

from .models import Precondition, Proposal, StatusChange, StatusSpan

CHUNK = 500


def spans_of(proposal_ids: list[int]) -> list[StatusSpan]:
    """A row per status change of these proposals and their preconditions, from the day it was
    made (before the first: always) until the next one; a row with today's status for a record
    whose status never changed on record."""
    spans, changed = [], set()
    own = StatusChange.objects.filter(proposal_id__in=proposal_ids, precondition__isnull=True)
    of_preconditions = StatusChange.objects.filter(precondition__proposal_id__in=proposal_ids)
    columns = ("status", "changed_on", "is_first", "superseded_on")
    rows = [
        (proposal, None, *values) for proposal, *values in own.values_list("proposal_id", *columns)
    ] + list(of_preconditions.values_list("precondition__proposal_id", "precondition_id", *columns))
    for proposal, precondition, status, changed_on, is_first, until in rows:
        changed.add((proposal, precondition))
        since = None if is_first else changed_on
        if until is None or since is None or until > since:  # else replaced the same day
            spans.append(
                StatusSpan(
                    proposal_id=proposal,
                    precondition_id=precondition,
                    status=status,
                    since=since,
                    until=until,
                )
            )
    for pk, status in Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "status"):
        if (pk, None) not in changed:
            spans.append(StatusSpan(proposal_id=pk, status=status))
    for pk, proposal, status in Precondition.objects.filter(
        proposal_id__in=proposal_ids
    ).values_list("pk", "proposal_id", "status"):
        if (proposal, pk) not in changed:
            spans.append(StatusSpan(proposal_id=proposal, precondition_id=pk, status=status))
    return spans


def refresh(proposal_ids: Iterable[int | None]) -> None:
    """Rewrite the rows of these proposals."""
    ids = sorted({pk for pk in proposal_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        StatusSpan.objects.filter(proposal_id__in=chunk).delete()
        StatusSpan.objects.bulk_create(spans_of(chunk))


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
        # Its proposal or precondition goes too (still there now): that deletion rewrites the
        # rows after (proposals.search).
        return
    from . import search  # which imports this module

    before = getattr(instance, "_spans_before", None)
    instance._spans_before = None
    ids = {instance.proposal_id, before}
    if not search.defer(ids):
        refresh(ids)


def connect() -> None:
    """After proposals.supersession's receivers, so that the changes are dated first."""
    pre_save.connect(before_save, sender=StatusChange, dispatch_uid="status-spans-pre")
    post_save.connect(after_change, sender=StatusChange, dispatch_uid="status-spans-save")
    post_delete.connect(after_change, sender=StatusChange, dispatch_uid="status-spans-del")
