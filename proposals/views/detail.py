"""One proposal's page: everything it shows, as it is now or as known on a past day (as_of)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import as_of
from ..history import user_label
from ..models import (
    BACKING,
    CLAIMS,
    Actor,
    Citation,
    Commitment,
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
from ..stances import SYMBOLS

LATEST_COMMITMENT_FIELDS = ("pk", "phase", "quantity", "unit", "stated_on")


def contributors_with_latest_commitment(day: dt.date | None = None) -> QuerySet[Actor]:
    """A layer's contributors, each annotated with its latest commitment to that layer.

    The prefetch of layer.contributors joins the through table under the table's own name (as
    Django's own prefetch relies on), so the subquery can pick that row's layer: the page needs no
    separate query for commitments.
    """
    qn = connection.ops.quote_name
    through = Layer.contributors.through._meta.db_table
    column = f"{qn(through)}.{qn(Layer.contributors.field.m2m_column_name())}"
    row_layer = RawSQL(column, ())  # noqa: S611 (names from the model, no input)
    latest = as_of.commitments_on(
        Commitment.objects.filter(actor=OuterRef("pk"), layer=row_layer), day
    ).order_by("-stated_on", "-pk")
    return Actor.objects.annotate(
        **{f"latest_{name}": Subquery(latest.values(name)[:1]) for name in LATEST_COMMITMENT_FIELDS}
    )


def with_details(proposals: QuerySet[Proposal], day: dt.date | None = None) -> QuerySet[Proposal]:
    """Proposals with everything their page shows, each kind of record in one query; with a
    `day`, as known then: its dated records up to that day, each status the one in force."""
    preconditions = Precondition.objects.select_related("responsible", "layer__kind", "depends_on")
    positions = Position.objects.select_related("actor").order_by("-stated_on", "-pk")
    changes = StatusChange.objects.order_by("changed_on", "pk")
    events = Event.objects.order_by("date", "pk")
    if day is not None:
        proposals = as_of.proposals_on(proposals, day)
        preconditions = preconditions.annotate(status_then=as_of.precondition_status_on(day))
        positions = positions.filter(stated_on__lte=day)
        changes = changes.filter(changed_on__lte=day)
        events = events.filter(date__lte=day)
    return proposals.select_related("reviewed_by").prefetch_related(
        "proponents",
        Prefetch(
            "layers",
            queryset=Layer.objects.select_related("kind").prefetch_related(
                Prefetch("contributors", queryset=contributors_with_latest_commitment(day))
            ),
        ),
        Prefetch("preconditions", queryset=preconditions),
        Prefetch("events", queryset=events),
        Prefetch("positions", queryset=positions),
        Prefetch("status_changes", queryset=changes),
    )


def stances(positions: list[Position]) -> list[dict]:
    """Who stands where: actors grouped by current stance (in the order of Stance), each with
    its current position and, beneath, its earlier ones. `positions` come newest first."""
    by_actor: dict[int, list[Position]] = {}
    for position in positions:
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


def backers_of(positions: list[Position]) -> list[Actor]:
    """Actors whose latest of these positions (newest first) proposes or supports."""
    latest: dict[int, Position] = {}
    for position in positions:
        latest.setdefault(position.actor_id, position)
    return sorted(
        (p.actor for p in latest.values() if p.stance in BACKING), key=lambda actor: actor.name
    )


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


def citations_of(shown: dict[str, list], day: dt.date | None) -> tuple[dict, list[dict]]:
    """The citations of the claims a page shows (by kind of claim), in one query: an IN list per
    kind, which the database answers from each foreign key's index; with the sources they cite.
    With a `day`, only what had been published, and said, by then."""
    condition = Q(
        *[Q(**{f"{claim}_id__in": [r.pk for r in records]}) for claim, records in shown.items()],
        _connector=Q.OR,
    )
    citations = Citation.objects.filter(condition).select_related("source").order_by("pk")
    by_target: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    sources: dict[int, dict] = {}
    for citation in citations:
        if not as_of.known_by(citation, day):
            continue
        claim = next(name for name in CLAIMS if getattr(citation, f"{name}_id"))
        by_target[claim, getattr(citation, f"{claim}_id")].append(citation)
        sources.setdefault(citation.source_id, {"source": citation.source, "citations": []})
        sources[citation.source_id]["citations"].append(citation)
    return by_target, list(sources.values())


def detail_context(
    proposal: Proposal,
    *,
    prefetched: bool = False,
    drafts: bool = True,
    day: dt.date | None = None,
) -> dict:
    """Everything the proposal page shows, in a fixed number of queries.

    The editing views render single blocks of the page from the same context. `prefetched`: the
    proposal comes from with_details() already; `drafts`: relations to drafts are shown (analysts);
    `day`: the picture as known that day (with_details(…, day) prefetched it).
    """
    if not prefetched:
        proposal = with_details(Proposal.objects, day).get(pk=proposal.pk)
    if day is not None:
        proposal.status = proposal.status_then
    layers = list(proposal.layers.all())
    for layer in layers:
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
        if day is not None:
            precondition.status = precondition.status_then
    met = sum(p.status == PreconditionStatus.MET for p in preconditions)
    status_changes = list(proposal.status_changes.all())
    by_pk = {precondition.pk: precondition for precondition in preconditions}
    for change in status_changes:
        if change.precondition_id:  # the precondition as the page already has it
            change.precondition = by_pk[change.precondition_id]

    positions = list(proposal.positions.all())
    backers = backers_of(positions) if day is not None else list(proposal.proponents.all())
    actors = {actor.pk: actor for actor in backers}
    roles: dict[int, list[str]] = defaultdict(list)
    for actor in backers:
        roles[actor.pk].append("proposes or supports the proposal")
    for layer in layers:
        for actor in layer.contributors.all():
            actors[actor.pk] = actor
            roles[actor.pk].append(f"contributes to the {layer.kind.name} layer")
    for precondition in preconditions:
        if precondition.responsible:
            actors[precondition.responsible.pk] = precondition.responsible
            roles[precondition.responsible.pk].append(
                f"must act for the precondition: {precondition.label}"
            )
    events = list(proposal.events.all())
    relations = relations_of(proposal, drafts)
    commitments = [item["commitment"] for layer in layers for item in layer.latest_commitments]
    shown = {
        "proposal": [proposal],
        "layer": layers,
        "commitment": commitments,
        "precondition": preconditions,
        "position": positions,
        "status_change": status_changes,
        "event": events,
        "relation": [item["relation"] for item in relations],
    }
    by_target, sources = citations_of(shown, day)
    for claim, records in shown.items():
        for record in records:
            record.cited = by_target[claim, record.pk]

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
        "proposal_citations": proposal.cited,
        "actors": [
            {"actor": actor, "roles": roles[pk]}
            for pk, actor in sorted(actors.items(), key=lambda item: item[1].name)
        ],
        "sources": sources,
        "events": events,
        "stances": stances(positions),
        "backers": backers,
        **as_of.on_page(day),
        "status_changes": status_changes,
        "relations": relations,
        "design": design,
        "reviewer": user_label(proposal.reviewed_by) if proposal.reviewed_at else "",
    }


@require_GET
def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    day, problem = as_of.parse(request.GET)
    visible = Proposal.objects.visible_to(request.user)
    proposal = with_details(visible, day).filter(slug=slug).first()
    if proposal is None:
        if day is not None and visible.filter(slug=slug).exists():
            raise Http404(f"This proposal had not been reported by {day:%-d %B %Y}.")
        raise Http404("No such proposal.")
    context = detail_context(
        proposal, prefetched=True, drafts=is_analyst(request.user), day=day
    ) | {"problems": [problem] if problem else []}
    return render(request, "proposals/detail.html", context, status=400 if problem else 200)
