"""Public pages: the dashboard, the list, and the health check (a proposal's page: detail.py).

Every page issues a fixed number of SQL queries whatever the number of rows (tests assert it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import as_of
from ..cached import per_data_version
from ..filters import Among, facets, filter_proposals, shareable_query
from ..models import (
    Layer,
    LayerKind,
    PreconditionStatus,
    Proposal,
    Stance,
    is_analyst,
)
from ..search import snippet
from ..stances import SYMBOLS, commitment_totals, stance_matrix

MATRIX_PER_PAGE = 25
# What a proposal stores for search, which a row of a list does not show: not read.
SEARCH_FIELDS = ("search_document", "search_vector")
RECENT_COUNT = 8


@dataclass(frozen=True, slots=True)
class Ref:
    """What a row in a list shows of an actor or a layer kind."""

    slug: str
    name: str


def with_row_details(proposals: Iterable[Proposal], day: dt.date | None = None) -> list[Proposal]:
    """Complete one page of proposals, in two queries whatever its length (three as of a past
    day): each one's preconditions_total, _met, _in_progress and _unmet with its bar (today's
    from the proposal's tallies), its layer kinds (`layer_kinds`, `kind_ids`) and its backers;
    with a `day`, the backers and status then (the queryset, from as_of.proposals_on, carries
    the status then).

    Counting per page, not in the page query, keeps deep pages and every sort order cheap; values,
    not models, keep a page of rows cheap to build.
    """
    proposals = list(proposals)
    ids = [proposal.pk for proposal in proposals]
    kinds: dict[int, list[tuple[int, Ref]]] = defaultdict(list)
    backers: dict[int, list[Ref]] = defaultdict(list)
    by_proposal: dict[int, dict] = {}
    if day is None:  # today's, counted on each proposal (proposals.tallies)
        by_proposal = {
            proposal.pk: {
                "total": proposal.tally_met + proposal.tally_in_progress + proposal.tally_unmet,
                "met": proposal.tally_met,
                "in_progress": proposal.tally_in_progress,
            }
            for proposal in proposals
        }
    elif ids:
        by_proposal = {
            row["proposal"]: row
            for row in as_of.status_spans(day, preconditions=True)
            .filter(proposal__in=ids)
            .order_by()
            .values("proposal")
            .annotate(
                total=Count("pk"),
                met=Count("pk", filter=Q(status=PreconditionStatus.MET)),
                in_progress=Count("pk", filter=Q(status=PreconditionStatus.IN_PROGRESS)),
            )
        }
    if ids:
        layers = Layer.objects.filter(proposal__in=ids).values_list(
            "proposal_id", "kind_id", "kind__slug", "kind__name"
        )  # in the layers' own order: by kind
        for proposal_id, kind_id, slug, name in layers:
            kinds[proposal_id].append((kind_id, Ref(slug, name)))
        backing = (
            Proposal.proponents.through.objects.all() if day is None else as_of.backers_on(day)
        )
        for proposal_id, slug, name in (
            backing.filter(proposal__in=ids)
            .order_by("actor__name", "actor_id")
            .values_list("proposal_id", "actor__slug", "actor__name")
        ):
            backers[proposal_id].append(Ref(slug, name))
    for proposal in proposals:
        if day is not None:
            proposal.status = proposal.status_then
        proposal.backers = backers[proposal.pk]
        proposal.layer_kinds = [kind for _, kind in kinds[proposal.pk]]
        proposal.kind_ids = {kind_id for kind_id, _ in kinds[proposal.pk]}
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
    analyst = is_analyst(request.user)
    visible = shown = Proposal.objects.visible_to(request.user)
    statuses = visible.values_list("status")
    if day is not None:
        # `visible`: what had been reported by then; `shown`: the same with its status then,
        # a join that only the rows need: the counts read the statuses' spans.
        visible = as_of.reported_by(visible, day)
        shown = as_of.with_status_on(visible, day)
        statuses = as_of.status_spans(day).values_list("status")
        if (left_out := as_of.left_out(day, not analyst)) is not None:
            statuses = statuses.exclude(proposal__in=left_out)
    # Counts over every proposal: once per state of the data, the day and who looks.
    key = f"dashboard:{analyst}:{day}"
    by_status = per_data_version(
        f"{key}:status",
        lambda: dict(statuses.order_by().annotate(n=Count("*")).values_list("status", "n")),
    )
    status_counts = [
        {"value": value, "label": label, "count": by_status.get(value, 0)}
        for value, label in Proposal.Status.choices
    ]
    kinds = list(LayerKind.objects.all())
    paginator = Paginator(shown.order_by("title", "pk").defer(*SEARCH_FIELDS), MATRIX_PER_PAGE)
    paginator.count = sum(by_status.values())  # each proposal has one status
    matrix_page = paginator.get_page(request.GET.get("matrix_page"))
    rows = [
        {"proposal": proposal, "kinds": proposal.kind_ids}
        for proposal in with_row_details(matrix_page, day)
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
                f"{key}:commitments",
                lambda: commitment_totals(as_of.left_out(day, not analyst), day),
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
    reported = visible = Proposal.objects.visible_to(request.user)
    if day is not None:
        reported = as_of.reported_by(visible, day)
        visible = as_of.with_status_on(reported, day)
    filterset, problems = filter_proposals(request.GET, visible, day)
    if problem:
        problems.insert(0, problem)
    query = filterset.form.cleaned_data.get("q") if filterset.form.is_valid() else ""
    # The search document is read only for the snippets of a search.
    unread = SEARCH_FIELDS if not query else ("search_vector",)
    # The facets read the statuses then from their spans: not the join the rows need.
    facet_counts = cached_facets(filterset, reported, public=not is_analyst(request.user))
    if facet_counts["matched"] is not None and not query:
        # The facets listed the proposals by id: the rows are looked up by theirs, not by every
        # filter again (a search keeps its own query, which ranks the matches).
        rows = filterset.ordered(visible.filter(Among("pk", facet_counts["matched"])))
    else:
        rows = filterset.qs
    paginator = Paginator(rows.defer(*unread), settings.PROPOSALS_PER_PAGE)
    # Each proposal has one status, and the status facet counts them with every other filter
    # kept: the results are those of the statuses chosen (all, with none chosen). That spares a
    # second run of the search and filters.
    chosen = [option for option in facet_counts["status"] if option.selected]
    paginator.count = sum(option.count for option in chosen or facet_counts["status"])
    page = paginator.get_page(request.GET.get("page"))
    if request.GET.get("page") and str(page.number) != request.GET["page"]:
        problems.append(f"There is no page {request.GET['page']}; showing page {page.number}.")
    page.object_list = with_row_details(page.object_list, day)
    if query:
        for proposal in page.object_list:
            proposal.snippet = snippet(proposal.search_document, query)
    canonical = shareable_query(filterset)
    context = {
        "filter": filterset,
        "facets": facet_counts,
        "page_obj": page,
        "problems": problems,
        "query": query,
        "query_without_page": shareable_query(filterset, drop=frozenset({"page"})),
        "canonical_query": canonical,
        # The day alone is no filter: the banner says which picture it is.
        "is_filtered": any(k not in {"page", "sort", "as_of"} for k in QueryDict(canonical)),
        "last_updated": reported.aggregate(last=Max("updated_at"))["last"],
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
