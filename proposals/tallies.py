"""How many of each proposal's preconditions are met, in progress and unmet today, stored on the
proposal (`tally_met`, `tally_in_progress`, `tally_unmet`).

The list's precondition facet and filter, and the count on each row, read them from the proposal
row that the list reads anyway, instead of counting preconditions for every proposal again.
They are rewritten, in the same transaction, wherever a proposal's search document is
(proposals.search: after every save or delete of the proposal or of one of its preconditions,
and after the bulk inserts of demo_data), so an analyst's save of a proposal read before a
precondition changed cannot leave them stale.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Precondition, PreconditionStatus, Proposal

FIELDS = {
    PreconditionStatus.UNMET: "tally_unmet",
    PreconditionStatus.IN_PROGRESS: "tally_in_progress",
    PreconditionStatus.MET: "tally_met",
}
CHUNK = 500


def counted(status: str) -> Coalesce:
    rows = (
        Precondition.objects.filter(proposal=OuterRef("pk"), status=status)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), Value(0))


def refresh(proposal_ids: Iterable[int]) -> None:
    """Count again the preconditions of these proposals: an update, not a save (no new version,
    no history entry, no signal)."""
    ids = sorted(set(proposal_ids))
    for start in range(0, len(ids), CHUNK):
        Proposal.objects.filter(pk__in=ids[start : start + CHUNK]).update(
            **{field: counted(status) for status, field in FIELDS.items()}
        )


def having(status: str) -> Q:
    """Proposals with at least one precondition of this status today."""
    return Q(**{f"{FIELDS[status]}__gt": 0})


def counts_by_status(proposals) -> dict[str, int]:
    """{precondition status: how many of these proposals have one so}, in one query."""
    totals = proposals.order_by().aggregate(
        **{status: Count("pk", filter=having(status)) for status in FIELDS}
    )
    return {status: totals[status] or 0 for status in FIELDS}
