"""One source's page: what it is, and every claim on the site it supports."""

from __future__ import annotations

from itertools import groupby

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .. import claims
from ..models import PROPOSAL_PATHS, Citation, Event, Proposal, Source

PER_PAGE = 50

# Each claim's proposal, as select_related() loads it (an event's are prefetched: it may have several).
PROPOSAL_OF = {claim: path for claim, path in PROPOSAL_PATHS.items() if claim != "event"}


def supported_by(source: Source, visible) -> Paginator:
    """The citations of `source` whose claims a reader may see, with all they name loaded."""
    shown = Q(
        Exists(
            Event.proposals.through.objects.filter(
                event_id=OuterRef("event_id"), proposal__in=visible
            )
        )
    ) | Q(relation__proposal__in=visible, relation__other__in=visible)
    for name, path in PROPOSAL_OF.items():
        if name != "relation":
            shown |= Q(**{f"{path}__in": visible})
    citations = (
        source.citations.filter(shown)
        .select_related(
            *PROPOSAL_OF.values(),
            "layer__kind",
            "position__actor",
            "commitment__actor",
            "commitment__layer__kind",
            "status_change__precondition",
            "relation__other",
            "event",
        )
        .prefetch_related(
            Prefetch("event__proposals", queryset=visible.order_by("title", "pk"), to_attr="shown")
        )
        .order_by("pk")
    )
    return Paginator(citations, PER_PAGE)


def proposal_of(citation: Citation) -> Proposal:
    if citation.event_id:
        return citation.event.shown[0]
    name = next(name for name in PROPOSAL_OF if getattr(citation, f"{name}_id"))
    record = citation
    for step in PROPOSAL_OF[name].split("__"):
        record = getattr(record, step)
    return record


@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    visible = Proposal.objects.visible_to(request.user)
    page = supported_by(source, visible).get_page(request.GET.get("page"))
    items = [
        {
            "citations": [citation],
            "proposal": proposal_of(citation),
            "what": claims.describe(citation.claim),
            "anchor": citation.claim.anchor,
        }
        for citation in page
    ]
    items.sort(key=lambda item: (item["proposal"].title, item["proposal"].pk))
    groups = [
        {"proposal": proposal, "items": list(group)}
        for proposal, group in groupby(items, key=lambda item: item["proposal"])
    ]
    return render(
        request,
        "proposals/source.html",
        {"source": source, "page": page, "groups": groups, "count": page.paginator.count},
    )
