"""Public pages: the dashboard, the list, and the health check (a proposal's page: detail.py).

Every page issues a fixed number of SQL queries whatever the number of rows (tests assert it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import as_of
from ..cached import per_data_version
from ..filters import facets, filter_proposals, shareable_query
from ..models import (
    Actor,
    Layer,
    LayerKind,
    Precondition,
    PreconditionStatus,
    Proposal,
    Stance,
    is_analyst,
)
from ..search import snippet
from ..stances import SYMBOLS, commitment_totals, stance_matrix

MATRIX_PER_PAGE = 25
RECENT_COUNT = 8


def for_listing(queryset: QuerySet, day: dt.date | None = None) -> QuerySet:
    """Proposals with the layers and backers a row in a list or the matrix shows (with a `day`,
    the backers then: whose stance in force that day proposed or supported it)."""
    layers = Prefetch(
        "layers", queryset=Layer.objects.select_related("kind").only("proposal", "kind")
    )
    if day is None:
        backers = Prefetch("proponents", queryset=Actor.objects.only("name", "slug"))
    else:
        backers = Prefetch(
            "positions",
            queryset=as_of.backers_on(day).select_related("actor").order_by("actor__name"),
            to_attr="backing_then",
        )
    return queryset.prefetch_related(layers, backers)


def with_precondition_counts(
    proposals: Iterable[Proposal], day: dt.date | None = None
) -> list[Proposal]:
    """Set preconditions_total and preconditions_met on one page of proposals, in one query, and
    each proposal's backers and status (as of `day`, from for_listing and the queryset).

    Counting per page, not in the page query, keeps deep pages and every sort order cheap.
    """
    proposals = list(proposals)
    preconditions, status = Precondition.objects.all(), "status"
    if day is not None:
        preconditions, status = as_of.preconditions_on(day), "status_then"
    counts = (
        preconditions.filter(proposal__in=[p.pk for p in proposals])
        .order_by()
        .values("proposal")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=Q(**{status: PreconditionStatus.MET})),
            in_progress=Count("pk", filter=Q(**{status: PreconditionStatus.IN_PROGRESS})),
        )
    )
    for proposal in proposals:
        if day is None:
            proposal.backers = list(proposal.proponents.all())
        else:
            proposal.backers = [position.actor for position in proposal.backing_then]
            proposal.status = proposal.status_then
    by_proposal = {row["proposal"]: row for row in counts} if proposals else {}
    for proposal in proposals:
        row = by_proposal.get(proposal.pk, {"total": 0, "met": 0, "in_progress": 0})
        proposal.preconditions_total, proposal.preconditions_met = row["total"], row["met"]
        proposal.preconditions_in_progress = row["in_progress"]
        proposal.preconditions_unmet = row["total"] - row["met"] - row["in_progress"]
        proposal.precondition_bar = stacked_bar(
            {
                "met": row["met"],
                "in_progress": row["in_progress"],
                "unmet": proposal.preconditions_unmet,
            },
            width=120,
        )
    return proposals


CHART_WIDTH = 600
CHART_LABEL_WIDTH = 150
CHART_ROW_HEIGHT = 34


def stacked_bar(values: dict[str, int], width: int) -> list[dict]:
    """x and width of each non-empty segment of a bar that fills `width` in proportion."""
    total, x, segments = sum(values.values()), 0.0, []
    for name, value in values.items():
        if value:
            share = width * value / total
            segments.append({"name": name, "x": round(x, 2), "width": round(share, 2)})
            x += share
    return segments


def status_chart(status_counts: list[dict]) -> dict:
    """Geometry of the proposals-by-status bar chart, drawn as SVG by the template."""
    most = max((s["count"] for s in status_counts), default=0) or 1
    bar_room = CHART_WIDTH - CHART_LABEL_WIDTH - 60
    bars = []
    for i, status in enumerate(status_counts):
        bars.append(
            status
            | {
                "y": i * CHART_ROW_HEIGHT,
                "text_y": i * CHART_ROW_HEIGHT + 22,
                "width": round(bar_room * status["count"] / most, 1),
                "count_x": CHART_LABEL_WIDTH + round(bar_room * status["count"] / most, 1) + 8,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": len(bars) * CHART_ROW_HEIGHT,
        "label_width": CHART_LABEL_WIDTH,
        "bar_x": CHART_LABEL_WIDTH,
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts, the matrices and what changed; with ?as_of=, the picture as known that day."""
    day, problem = as_of.parse(request.GET)
    visible = Proposal.objects.visible_to(request.user)
    status = "status"
    if day is not None:
        visible, status = as_of.proposals_on(visible, day), "status_then"
    # Counts over every proposal: once per state of the data, the day and who looks.
    key = f"dashboard:{is_analyst(request.user)}:{day}"
    by_status = per_data_version(
        f"{key}:status",
        lambda: dict(
            visible.order_by().values_list(status).annotate(n=Count("pk")).values_list(status, "n")
        ),
    )
    status_counts = [
        {"value": value, "label": label, "count": by_status.get(value, 0)}
        for value, label in Proposal.Status.choices
    ]
    kinds = list(LayerKind.objects.all())
    paginator = Paginator(for_listing(visible.order_by("title", "pk"), day), MATRIX_PER_PAGE)
    matrix_page = paginator.get_page(request.GET.get("matrix_page"))
    rows = [
        {"proposal": proposal, "kinds": {layer.kind_id for layer in proposal.layers.all()}}
        for proposal in with_precondition_counts(matrix_page, day)
    ]
    for row in rows:
        row["cells"] = [kind.pk in row["kinds"] for kind in kinds]
    stances = stance_matrix([row["proposal"].pk for row in rows], day=day)
    for row in rows:
        row["stances"] = stances.cells[row["proposal"].pk]
    last_updated = visible.aggregate(last=Max("updated_at"))["last"]
    # What changed lately is today's news: not part of a past day's picture.
    recent = (
        []
        if day
        else list(
            visible.order_by("-updated_at", "pk").only(
                "title", "slug", "status", "updated_at", "is_published"
            )[:RECENT_COUNT]
        )
    )
    return render(
        request,
        "proposals/dashboard.html",
        {
            "status_counts": status_counts,
            "status_chart": status_chart(status_counts),
            "total": sum(by_status.values()),
            "kinds": kinds,
            "matrix_rows": rows,
            "matrix_page": matrix_page,
            "stance_actors": stances.actors,
            "stance_symbols": SYMBOLS,
            "stance_key": [
                {"value": value, "symbol": SYMBOLS[value], "label": label}
                for value, label in Stance.choices
            ],
            "commitment_totals": per_data_version(
                f"{key}:commitments", lambda: commitment_totals(visible, day)
            ),
            "recent": recent,
            "last_updated": last_updated,
            "problems": [problem] if problem else [],
            **as_of.on_page(day),
        },
        status=400 if problem else 200,
    )


def cached_facets(filterset, visible: QuerySet, public: bool) -> dict:
    """The facet counts, computed once per state of the data and view."""
    view = shareable_query(filterset, drop=SORT_AND_PAGE)
    return per_data_version(
        f"facets:{public}:{view}", lambda: facets(filterset, visible, public=public)
    )


SORT_AND_PAGE = frozenset({"sort", "page"})


@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    day, problem = as_of.parse(request.GET)
    visible = Proposal.objects.visible_to(request.user)
    if day is not None:
        visible = as_of.proposals_on(visible, day)
    filterset, problems = filter_proposals(request.GET, visible, day)
    if problem:
        problems.insert(0, problem)
    paginator = Paginator(for_listing(filterset.qs, day), settings.PROPOSALS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    if request.GET.get("page") and str(page.number) != request.GET["page"]:
        problems.append(f"There is no page {request.GET['page']}; showing page {page.number}.")
    page.object_list = with_precondition_counts(page.object_list, day)
    query = filterset.form.cleaned_data.get("q") if filterset.form.is_valid() else ""
    if query:
        for proposal in page.object_list:
            proposal.snippet = snippet(proposal.search_document, query)
    canonical = shareable_query(filterset)
    context = {
        "filter": filterset,
        "facets": cached_facets(filterset, visible, public=not is_analyst(request.user)),
        "page_obj": page,
        "problems": problems,
        "query": query,
        "query_without_page": shareable_query(filterset, drop=frozenset({"page"})),
        "canonical_query": canonical,
        "is_filtered": any(k not in {"page", "sort"} for k in QueryDict(canonical)),
        "last_updated": visible.aggregate(last=Max("updated_at"))["last"],
        **as_of.on_page(day),
        "today_query": shareable_query(filterset, drop=frozenset({"as_of", "page"})),
    }
    status = 400 if problems else 200
    if request.htmx and not request.htmx.history_restore_request:
        html = render_to_string("proposals/list.html#results", context, request)
        html += render_to_string("proposals/list.html#facets", context | {"oob": True}, request)
        response = HttpResponse(html, status=status)
        response["HX-Push-Url"] = f"{request.path}?{canonical}" if canonical else request.path
    else:
        response = render(request, "proposals/list.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


def get_visible_proposal(request: HttpRequest, slug: str) -> Proposal:
    return get_object_or_404(Proposal.objects.visible_to(request.user), slug=slug)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages that name no icon, such as the admin's.
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
