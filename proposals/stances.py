"""Who stands where, computed from the dated records: current stances, latest commitments."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from .as_of import commitments_outside, in_force
from .models import Actor, Commitment, Phase, Position, Stance, Unit

# How each stance is shown beside its label, so that colour is never the only carrier.
SYMBOLS = {
    Stance.PROPOSES: "★",
    Stance.SUPPORTS: "✓",
    Stance.CONDITIONAL: "±",
    Stance.UNDECIDED: "?",
    Stance.DECLINES: "–",
    Stance.OPPOSES: "✗",
}


def current_positions(
    proposal_ids: Iterable[int], day: dt.date | None = None
) -> dict[tuple[int, int], Position]:
    """{(proposal id, actor id): latest position (as of `day`)}, in one query."""
    latest: dict[tuple[int, int], Position] = {}
    positions = Position.objects.filter(proposal_id__in=list(proposal_ids))
    if day is not None:
        positions = positions.filter(stated_on__lte=day)
    for position in positions.order_by("stated_on", "pk"):
        latest[position.proposal_id, position.actor_id] = position
    return latest


@dataclass
class StanceMatrix:
    actors: list[Actor]
    cells: dict[int, list[Position | None]]  # proposal id: a position (or None) per actor


def stance_matrix(
    proposal_ids: list[int], most: int = 10, day: dt.date | None = None
) -> StanceMatrix:
    """The actors who have taken a stance on these proposals (the `most` frequent), and each one's
    current stance on each proposal: two queries."""
    latest = current_positions(proposal_ids, day)
    frequency = Counter(actor_id for _, actor_id in latest)
    chosen = [actor_id for actor_id, _ in frequency.most_common(most)]
    actors = sorted(Actor.objects.filter(pk__in=chosen), key=lambda actor: actor.name)
    return StanceMatrix(
        actors,
        {pk: [latest.get((pk, actor.pk)) for actor in actors] for pk in proposal_ids},
    )


def latest_commitments(commitments: QuerySet, day: dt.date | None = None) -> QuerySet:
    """Of each actor's commitments to a layer in one unit, the latest (as of `day`): the one in
    force."""
    return in_force(commitments, ("layer", "actor", "unit"), day)


@dataclass
class PhaseTotal:
    phase: str
    label: str
    count: int
    amounts: list[str]  # "2,000 troops", for the units whose quantities are given


def commitment_totals(left_out: QuerySet | None, day: dt.date | None = None) -> list[PhaseTotal]:
    """How many commitments are in force at each phase, with their quantities by unit, but those
    of the proposals `left_out` (as_of.left_out)."""
    commitments = Commitment.objects.all()
    if left_out is not None:
        commitments = commitments_outside(commitments, left_out)
    rows = (
        latest_commitments(commitments, day)
        .order_by()
        .values_list("phase", "unit")
        .annotate(n=Count("pk"), total=Sum("quantity"))
    )
    counts: Counter = Counter()
    amounts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    units = dict(Unit.choices)
    for phase, unit, n, total in rows:
        counts[phase] += n
        if total:
            amounts[phase].append((total, units[unit]))
    return [
        PhaseTotal(
            value,
            label,
            counts[value],
            [f"{total:,} {unit}" for total, unit in sorted(amounts[value], key=lambda a: a[1])],
        )
        for value, label in Phase.choices
    ]
