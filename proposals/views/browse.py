"""Public pages: the dashboard, the list, a proposal, and the health check.

Every page issues a fixed number of SQL queries whatever the number of rows (tests assert it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..filters import facets, filter_proposals, shareable_query
from ..models import (
    Actor,
    Citation,
    Commitment,
    DataVersion,
    Event,
    Layer,
    LayerKind,
    Position,
    Precondition,
    PreconditionStatus,
    Proposal,
    ProposalRelation,
    Stance,
    StatusChange,
    is_analyst,
)
from ..search import snippet
from ..stances import SYMBOLS, commitment_totals, stance_matrix

MATRIX_PER_PAGE = 25
RECENT_COUNT = 8


def for_listing(queryset: QuerySet) -> QuerySet:
    """Proposals with the layers and backers a row in a list or the matrix shows."""
    return queryset.prefetch_related(
        Prefetch("layers", queryset=Layer.objects.select_related("kind").only("proposal", "kind")),
        Prefetch("proponents", queryset=Actor.objects.only("name", "slug")),
    )


def with_precondition_counts(proposals: Iterable[Proposal]) -> list[Proposal]:
    """Set preconditions_total and preconditions_met on one page of proposals, in one query.

    Counting per page, not in the page query, keeps deep pages and every sort order cheap.
    """
    proposals = list(proposals)
    counts = (
        Precondition.objects.filter(proposal__in=[p.pk for p in proposals])
        .order_by()
        .values("proposal")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=Q(status=PreconditionStatus.MET)),
            in_progress=Count("pk", filter=Q(status=PreconditionStatus.IN_PROGRESS)),
        )
    )
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
    visible = Proposal.objects.visible_to(request.user)
    by_status = dict(
        visible.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    status_counts = [
        {"value": value, "label": label, "count": by_status.get(value, 0)}
        for value, label in Proposal.Status.choices
    ]
    kinds = list(LayerKind.objects.all())
    paginator = Paginator(for_listing(visible.order_by("title", "pk")), MATRIX_PER_PAGE)
    matrix_page = paginator.get_page(request.GET.get("matrix_page"))
    rows = [
        {"proposal": proposal, "kinds": {layer.kind_id for layer in proposal.layers.all()}}
        for proposal in with_precondition_counts(matrix_page)
    ]
    for row in rows:
        row["cells"] = [kind.pk in row["kinds"] for kind in kinds]
    stances = stance_matrix([row["proposal"].pk for row in rows])
    for row in rows:
        row["stances"] = stances.cells[row["proposal"].pk]
    last_updated = visible.aggregate(last=Max("updated_at"))["last"]
    recent = list(
        visible.order_by("-updated_at", "pk").only(
            "title", "slug", "status", "updated_at", "is_published"
        )[:RECENT_COUNT]
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
            "commitment_totals": commitment_totals(visible),
            "recent": recent,
            "last_updated": last_updated,
        },
    )


FACETS_CACHE_SECONDS = 600


def cached_facets(filterset, visible: QuerySet, public: bool) -> dict:
    """The facet counts, computed once per state of the data and view (see DataVersion)."""
    key = (
        f"facets:{DataVersion.current()}:{public}:{shareable_query(filterset, drop=SORT_AND_PAGE)}"
    )
    counts = cache.get(key)
    if counts is None:
        counts = facets(filterset, visible, public=public)
        cache.set(key, counts, FACETS_CACHE_SECONDS)
    return counts


SORT_AND_PAGE = frozenset({"sort", "page"})


@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    visible = Proposal.objects.visible_to(request.user)
    filterset, problems = filter_proposals(request.GET, visible)
    paginator = Paginator(for_listing(filterset.qs), settings.PROPOSALS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    if request.GET.get("page") and str(page.number) != request.GET["page"]:
        problems.append(f"There is no page “{request.GET['page']}”; showing page {page.number}.")
    page.object_list = with_precondition_counts(page.object_list)
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


LATEST_COMMITMENT_FIELDS = ("pk", "phase", "quantity", "unit", "stated_on")


def contributors_with_latest_commitment() -> QuerySet[Actor]:
    """A layer's contributors, each annotated with its latest commitment to that layer.

    The prefetch of layer.contributors joins the through table under the table's own name (as
    Django's own prefetch relies on), so the subquery can pick that row's layer: the page needs no
    separate query for commitments.
    """
    qn = connection.ops.quote_name
    through = Layer.contributors.through._meta.db_table
    column = f"{qn(through)}.{qn(Layer.contributors.field.m2m_column_name())}"
    row_layer = RawSQL(column, ())  # noqa: S611 (names from the model, no input)
    latest = Commitment.objects.filter(actor=OuterRef("pk"), layer=row_layer).order_by(
        "-stated_on", "-pk"
    )
    return Actor.objects.annotate(
        **{f"latest_{name}": Subquery(latest.values(name)[:1]) for name in LATEST_COMMITMENT_FIELDS}
    )


def with_details(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Proposals with everything their page shows, each kind of record in one query."""
    return proposals.prefetch_related(
        "proponents",
        Prefetch(
            "layers",
            queryset=Layer.objects.select_related("kind").prefetch_related(
                Prefetch("contributors", queryset=contributors_with_latest_commitment())
            ),
        ),
        Prefetch(
            "preconditions",
            queryset=Precondition.objects.select_related(
                "responsible", "layer__kind", "depends_on"
            ),
        ),
        Prefetch("events", queryset=Event.objects.order_by("date", "pk")),
        Prefetch(
            "positions",
            queryset=Position.objects.select_related("actor").order_by("-stated_on", "-pk"),
        ),
        Prefetch("status_changes", queryset=StatusChange.objects.order_by("changed_on", "pk")),
    )


def stances(positions: list[Position], cited: dict) -> list[dict]:
    """Who stands where: actors grouped by current stance (in the order of Stance), each with
    its current position and, beneath, its earlier ones. `positions` come newest first."""
    by_actor: dict[int, list[Position]] = {}
    for position in positions:
        position.cited = cited["position", position.pk]
        by_actor.setdefault(position.actor_id, []).append(position)
    groups: dict[str, list[dict]] = {stance: [] for stance in Stance.values}
    for current, *earlier in by_actor.values():
        groups[current.stance].append(
            {"actor": current.actor, "current": current, "earlier": earlier}
        )
    return [
        {
            "stance": stance,
            "label": label,
            "symbol": SYMBOLS[stance],
            "entries": sorted(groups[stance], key=lambda entry: entry["actor"].name),
        }
        for stance, label in Stance.choices
        if groups[stance]
    ]


def relations_of(proposal: Proposal, drafts: bool) -> list[dict]:
    """The proposal's relations in both directions, each read from this proposal's side."""
    relations = ProposalRelation.objects.filter(Q(proposal=proposal) | Q(other=proposal))
    if not drafts:
        relations = relations.filter(proposal__is_published=True, other__is_published=True)
    return [
        {
            "relation": relation,
            "outgoing": relation.proposal_id == proposal.pk,
            "other": relation.other if relation.proposal_id == proposal.pk else relation.proposal,
        }
        for relation in relations.select_related("proposal", "other").order_by("kind", "pk")
    ]


def detail_context(proposal: Proposal, *, prefetched: bool = False, drafts: bool = True) -> dict:
    """Everything the proposal page shows, in a fixed number of queries.

    The editing views render single blocks of the page from the same context. `prefetched`: the
    proposal comes from with_details() already; `drafts`: relations to drafts are shown (analysts).
    """
    if not prefetched:
        proposal = with_details(Proposal.objects).get(pk=proposal.pk)
    citations = list(
        Citation.objects.filter(
            Q(proposal=proposal)
            | Q(layer__proposal=proposal)
            | Q(precondition__proposal=proposal)
            | Q(position__proposal=proposal)
            | Q(status_change__proposal=proposal)
        )
        .select_related("source")
        .order_by("pk")
    )
    by_target: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    sources: dict[int, dict] = {}
    for citation in citations:
        if citation.proposal_id:
            by_target["proposal", citation.proposal_id].append(citation)
        elif citation.layer_id:
            by_target["layer", citation.layer_id].append(citation)
        elif citation.precondition_id:
            by_target["precondition", citation.precondition_id].append(citation)
        elif citation.position_id:
            by_target["position", citation.position_id].append(citation)
        else:
            by_target["status_change", citation.status_change_id].append(citation)
        sources.setdefault(citation.source_id, {"source": citation.source, "citations": []})
        sources[citation.source_id]["citations"].append(citation)

    layers = list(proposal.layers.all())
    for layer in layers:
        layer.cited = by_target["layer", layer.pk]
        layer.latest_commitments = [
            {
                "actor": actor,
                "commitment": Commitment(
                    **{name: getattr(actor, f"latest_{name}") for name in LATEST_COMMITMENT_FIELDS}
                ),
            }
            for actor in layer.contributors.all()
            if actor.latest_phase
        ]
    preconditions = list(proposal.preconditions.all())
    for precondition in preconditions:
        precondition.cited = by_target["precondition", precondition.pk]
    met = sum(p.status == PreconditionStatus.MET for p in preconditions)
    status_changes = list(proposal.status_changes.all())
    by_pk = {precondition.pk: precondition for precondition in preconditions}
    for change in status_changes:
        change.cited = by_target["status_change", change.pk]
        if change.precondition_id:  # the precondition as the page already has it
            change.precondition = by_pk[change.precondition_id]

    actors = {actor.pk: actor for actor in proposal.proponents.all()}
    roles: dict[int, list[str]] = defaultdict(list)
    for actor in proposal.proponents.all():
        roles[actor.pk].append("backs the proposal")
    for layer in layers:
        for actor in layer.contributors.all():
            actors[actor.pk] = actor
            roles[actor.pk].append(f"contributes to the {layer.kind.name} layer")
    for precondition in preconditions:
        if precondition.responsible:
            actors[precondition.responsible.pk] = precondition.responsible
            roles[precondition.responsible.pk].append(
                f"responsible for the precondition “{precondition.description.rstrip('.')}”"
            )
    used_kinds = {layer.kind_id for layer in layers}
    design = [
        (label, value)
        for label, value in [
            ("Mandate from", proposal.get_mandate_source_display()),
            ("Led by", proposal.lead),
            ("Purpose", proposal.get_purpose_display()),
            ("Armed", {True: "Yes", False: "No"}.get(proposal.armed, "")),
        ]
        if value
    ]

    return {
        "proposal": proposal,
        "layers": layers,
        # Only analysts see the add-layer slot: the template asks, so readers' pages skip the query.
        "can_add_layer": lambda: LayerKind.objects.exclude(pk__in=used_kinds).exists(),
        "preconditions": preconditions,
        "preconditions_met": met,
        "proposal_citations": by_target["proposal", proposal.pk],
        "actors": [
            {"actor": actor, "roles": roles[pk]}
            for pk, actor in sorted(actors.items(), key=lambda item: item[1].name)
        ],
        "sources": list(sources.values()),
        "events": list(proposal.events.all()),
        "stances": stances(list(proposal.positions.all()), by_target),
        "status_changes": status_changes,
        "relations": relations_of(proposal, drafts),
        "design": design,
    }


@require_GET
def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    visible = Proposal.objects.visible_to(request.user)
    proposal = get_object_or_404(with_details(visible), slug=slug)
    context = detail_context(proposal, prefetched=True, drafts=is_analyst(request.user))
    return render(request, "proposals/detail.html", context)


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
