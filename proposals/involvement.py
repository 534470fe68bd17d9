"""Who is involved in each proposal today (models.Involvement), kept in step with the data.

A proposal's rows are rewritten, in the same transaction, wherever its search document is
(proposals.search: every change to it, its layers, their contributors or its proponents, and
the bulk inserts of demo_data), so the rows are always the union of its proponents and its
layers' contributors.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Involvement, Layer, Proposal

CHUNK = 500


def actors_of(proposal_ids: list[int]) -> set[tuple[int, int]]:
    """(proposal, actor) of the proponents and contributors of these proposals."""
    backers = Proposal.proponents.through.objects.filter(proposal_id__in=proposal_ids)
    contributors = Layer.contributors.through.objects.filter(layer__proposal_id__in=proposal_ids)
    return set(backers.values_list("proposal_id", "actor_id")) | set(
        contributors.values_list("layer__proposal_id", "actor_id")
    )


def refresh(proposal_ids: Iterable[int]) -> None:
    """Rewrite the rows of these proposals."""
    ids = sorted(set(proposal_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        Involvement.objects.filter(proposal_id__in=chunk).delete()
        Involvement.objects.bulk_create(
            [Involvement(proposal_id=p, actor_id=a) for p, a in sorted(actors_of(chunk))]
        )
