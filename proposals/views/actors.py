"""Public pages about actors: every actor with where it stands, and one actor's record over time.

Both pages issue a fixed number of SQL queries whatever the number of actors and records.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .. import as_of
from ..cached import per_data_version
from ..models import (
    BACKING,
    Actor,
    Citation,
    Commitment,
    Phase,
    Position,
    Proposal,
    Stance,
    is_analyst,
)

# The actors page sums the six stances into three columns.
HESITATING = (Stance.CONDITIONAL, Stance.UNDECIDED)
REFUSING = (Stance.DECLINES, Stance.OPPOSES)


@require_GET
def actor_list(request: HttpRequest) -> HttpResponse:
    visible = Proposal.objects.visible_to(request.user)
    counts = {
        row.pop("actor"): row
        for row in as_of.positions_in_force(None, Position.objects.filter(proposal__in=visible))
        .order_by()
        .values("actor")
        .annotate(
            supports=Count("pk", filter=Q(stance__in=BACKING)),
            hesitates=Count("pk", filter=Q(stance__in=HESITATING)),
            opposes=Count("pk", filter=Q(stance__in=REFUSING)),
        )
    }
    none = {"supports": 0, "hesitates": 0, "opposes": 0}
    rows = [{"actor": actor} | counts.get(actor.pk, none) for actor in Actor.objects.all()]
    return render(request, "proposals/actors.html", {"rows": rows})


PER_PAGE = 25
CHART_WIDTH = 480
CHART_LABEL_WIDTH = 80
CHART_BAR_ROOM = CHART_WIDTH - CHART_LABEL_WIDTH - 200  # room left for the value's text
CHART_BAR_HEIGHT = 20
CHART_GAP = 8
CHARTED = (Phase.PLEDGED, Phase.DEPLOYED)


def pledged_and_deployed(commitments: QuerySet[Commitment], day=None) -> list[dict]:
    """Pledged and deployed totals per unit, in one query: for each layer, the latest figure of
    each phase counts (a later pledge restates an earlier one, it does not add to it)."""
    latest = as_of.in_force(commitments, ("layer", "actor", "unit", "phase"), day)
    rows = (
        latest.filter(phase__in=CHARTED, quantity__isnull=False)
        .order_by()
        .values_list("unit", "phase")
        .annotate(total=Sum("quantity"))
    )
    totals: dict[str, dict] = {}
    units = dict(Commitment.Unit.choices)
    for unit, phase, total in rows:
        row = totals.setdefault(unit, {"unit": units[unit], "pledged": 0, "deployed": 0})
        row[phase] = total
    return [totals[unit] for unit in Commitment.Unit.values if unit in totals]


def commitment_chart(totals: list[dict]) -> dict | None:
    """Geometry of the pledged-versus-deployed chart, drawn as SVG by the template. Each unit is
    scaled on its own: troops and euros share no axis."""
    if not totals:
        return None
    groups, y = [], 0
    for row in totals:
        most = max(row["pledged"], row["deployed"]) or 1
        bars = []
        for i, phase in enumerate(CHARTED):
            width = round(CHART_BAR_ROOM * row[phase] / most, 1)
            top = y + i * (CHART_BAR_HEIGHT + 4)
            bars.append(
                {
                    "phase": phase.value,
                    "label": phase.label,
                    "text": f"{row[phase]:,} {phase.label.lower()}",
                    "y": top,
                    "text_y": top + 15,
                    "width": width,
                    "value_x": CHART_LABEL_WIDTH + width + 8,
                }
            )
        groups.append(
            {
                "unit": row["unit"],
                "text_y": y + 15,
                "bars": bars,
                "summary": f"{row['unit']}: " + ", ".join(bar["text"] for bar in bars),
            }
        )
        y += 2 * (CHART_BAR_HEIGHT + 4) + CHART_GAP
    return {
        "groups": groups,
        "width": CHART_WIDTH,
        "height": y - CHART_GAP,
        "bar_x": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
        "phase_x": CHART_LABEL_WIDTH - 8,
    }


@require_GET
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The actor's record over time; with ?as_of=, as known that day."""
    actor = get_object_or_404(Actor, slug=slug)
    day, problem = as_of.parse(request.GET)
    positions, commitments = as_of.records_of(actor, day, public=not is_analyst(request.user))
    positions = Paginator(
        as_of.positions_on(positions, day)
        .select_related("proposal")
        .prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
        .order_by("-stated_on", "-pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    all_commitments = as_of.commitments_on(commitments, day)
    commitments = Paginator(
        all_commitments.select_related("layer__kind", "layer__proposal")
        .prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
        .order_by("-stated_on", "-pk"),
        PER_PAGE,
    ).get_page(request.GET.get("commitments_page"))
    return render(
        request,
        "proposals/actor.html",
        {
            "actor": actor,
            "positions": positions,
            "commitments": commitments,
            # Totals over all its commitments: once per state of the data, day and reader.
            "chart": per_data_version(
                f"actor-chart:{actor.pk}:{day}:{is_analyst(request.user)}",
                lambda: commitment_chart(pledged_and_deployed(all_commitments, day)),
            ),
            "query": as_of.on_page(day)["as_of_query"],
            "problems": [problem] if problem else [],
            **as_of.on_page(day),
        },
        status=400 if problem else 200,
    )
