"""One proposal's page: everything it shows, as it is now or as known on a past day (as_of).

The page is read by thousands at once after news, each request for another proposal, so a cold
render must be cheap: each kind of record is one query, for one proposal or for the few that the
comparison shows side by side, and each query is compiled to SQL once per process (Prepared).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Prefetch, Q, QuerySet, Value
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
from ..prepared import Prepared
from ..stances import SYMBOLS


def _proposals(
    slugs: list[str], published: bool, day: dt.date | None, end: dt.datetime | None
) -> QuerySet[Proposal]:
    """`end`: as_of.day_end(day), an argument of its own (the query is prepared)."""
    proposals = Proposal.objects.filter(slug__in=slugs).select_related("reviewed_by").defer(*UNREAD)
    if published:
        proposals = proposals.published()
    return proposals if day is None else as_of.proposals_on(proposals, day, end)


def _layers(ids: list[int]) -> QuerySet[Layer]:
    return Layer.objects.filter(proposal_id__in=ids).select_related("kind")


def _actors(ids: list[int]) -> QuerySet[Actor]:
    """The actors who back the proposals (`role` "backer", `of` the proposal's id) and those who
    contribute to their layers ("contributor", of the layer's id), by name."""
    actors = Actor.objects.order_by()
    backers = actors.filter(proposals_backed__in=ids).annotate(
        role=Value("backer"), of=F("proposals_backed")
    )
    contributors = actors.filter(layer_contributions__proposal_id__in=ids).annotate(
        role=Value("contributor"), of=F("layer_contributions")
    )
    return backers.union(contributors, all=True).order_by("name")


def _commitments(ids: list[int], day: dt.date | None) -> QuerySet[Commitment]:
    commitments = Commitment.objects.filter(layer__proposal_id__in=ids)
    return as_of.commitments_on(commitments, day).order_by("-stated_on", "-pk")


def _preconditions(ids: list[int], day: dt.date | None) -> QuerySet[Precondition]:
    preconditions = Precondition.objects.filter(proposal_id__in=ids).select_related(
        "responsible", "layer__kind", "depends_on"
    )
    if day is None:
        return preconditions
    return as_of.with_status_on(preconditions, day)


def _positions(ids: list[int], day: dt.date | None) -> QuerySet[Position]:
    positions = Position.objects.filter(proposal_id__in=ids).select_related("actor")
    return as_of.positions_on(positions, day).order_by("-stated_on", "-pk")


def _status_changes(ids: list[int], day: dt.date | None) -> QuerySet[StatusChange]:
    changes = StatusChange.objects.filter(proposal_id__in=ids).order_by("changed_on", "pk")
    return changes if day is None else changes.filter(changed_on__lte=day)


def _events(ids: list[int], day: dt.date | None) -> QuerySet[Event]:
    """The events on the proposals' timelines, each with the proposal it is shown on."""
    events = Event.objects.filter(proposals__in=ids).order_by("date", "pk")
    if day is not None:
        events = events.filter(date__lte=day)
    return events.annotate(shown_on=F("proposals"))


def _relations(ids: list[int], drafts: bool) -> QuerySet[ProposalRelation]:
    relations = ProposalRelation.objects.filter(Q(proposal_id__in=ids) | Q(other_id__in=ids))
    if not drafts:
        relations = relations.filter(proposal__is_published=True, other__is_published=True)
    unread = [f"{side}__{name}" for side in ("proposal", "other") for name in UNREAD]
    return relations.select_related("proposal", "other").defer(*unread).order_by("kind", "pk")


def _citations(*ids: list[int]) -> QuerySet[Citation]:
    """The citations of the claims given as a list of ids per kind (in the order of CLAIMS),
    with their sources: an IN list per kind, which the database answers from each foreign
    key's index."""
    claims = [Q(**{f"{claim}_id__in": pks}) for claim, pks in zip(CLAIMS, ids, strict=True) if pks]
    citations = Citation.objects.filter(Q(*claims, _connector=Q.OR))
    return citations.select_related("source").defer("source__text").order_by("pk")


# Large, and never shown.
UNREAD = ("search_document", "search_vector")

PROPOSALS = Prepared(_proposals)
LAYERS = Prepared(_layers)
ACTORS = Prepared(_actors)
COMMITMENTS = Prepared(_commitments)
PRECONDITIONS = Prepared(_preconditions)
POSITIONS = Prepared(_positions)
STATUS_CHANGES = Prepared(_status_changes)
EVENTS = Prepared(_events)
RELATIONS = Prepared(_relations)
CITATIONS = Prepared(_citations)


def with_details(proposals: QuerySet[Proposal], day: dt.date | None = None) -> QuerySet[Proposal]:
    """Proposals with everything recorded on them (for the API), each kind of record in one
    query; with a `day`, as known then: its dated records up to that day, each status the one
    in force."""
    preconditions = Precondition.objects.select_related("responsible", "layer__kind", "depends_on")
    positions = Position.objects.select_related("actor").order_by("-stated_on", "-pk")
    changes = StatusChange.objects.order_by("changed_on", "pk")
    events = Event.objects.order_by("date", "pk")
    if day is not None:
        proposals = as_of.proposals_on(proposals, day)
        preconditions = as_of.with_status_on(preconditions, day)
        positions = positions.filter(stated_on__lte=day)
        changes = changes.filter(changed_on__lte=day)
        events = events.filter(date__lte=day)
    return proposals.select_related("reviewed_by").prefetch_related(
        "proponents",
        Prefetch("layers", queryset=Layer.objects.select_related("kind")),
        "layers__contributors",
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


def relations_by_proposal(ids: list[int], drafts: bool) -> dict[int, list[dict]]:
    """Each proposal's relations in both directions, each read from that proposal's side."""
    relations: dict[int, list[dict]] = {pk: [] for pk in ids}
    for relation in RELATIONS(ids, drafts):
        for pk, other, outgoing in [
            (relation.proposal_id, relation.other, True),
            (relation.other_id, relation.proposal, False),
        ]:
            if pk in relations:
                relations[pk].append({"relation": relation, "outgoing": outgoing, "other": other})
    return relations


def relations_of(proposal: Proposal, drafts: bool) -> list[dict]:
    """The proposal's relations in both directions, each read from this proposal's side."""
    return relations_by_proposal([proposal.pk], drafts)[proposal.pk]


def claim_of(citation: Citation) -> tuple[str, int]:
    """The kind of claim a citation supports, and that claim's id."""
    name = next(name for name in CLAIMS if getattr(citation, f"{name}_id"))
    return name, getattr(citation, f"{name}_id")


def sort_citations(
    citations: Iterable[Citation], shown: dict[str, list], day: dt.date | None
) -> tuple[dict, list[dict]]:
    """Of these citations (in order), those of the claims a page shows (by kind of claim), by
    claim, and the sources they cite. With a `day`, only what had been published, and said, by
    then."""
    wanted = {(claim, record.pk) for claim, records in shown.items() for record in records}
    by_target: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    sources: dict[int, dict] = {}
    for citation in citations:
        target = claim_of(citation)
        if target not in wanted or not as_of.known_by(citation, day):
            continue
        by_target[target].append(citation)
        sources.setdefault(citation.source_id, {"source": citation.source, "citations": []})
        sources[citation.source_id]["citations"].append(citation)
    return by_target, list(sources.values())


def citations_of(shown: dict[str, list], day: dt.date | None) -> tuple[dict, list[dict]]:
    """The citations of the claims a page shows (by kind of claim), in one query, by claim, and
    the sources they cite. With a `day`, only what had been published, and said, by then."""
    return sort_citations(citations_of_pages([shown]), shown, day)


def citations_of_pages(pages: list[dict[str, list]]) -> list[Citation]:
    """The citations of the claims these pages show (each by kind of claim), in one query."""
    ids = [
        list(dict.fromkeys(record.pk for shown in pages for record in shown.get(claim, [])))
        for claim in CLAIMS
    ]
    if not any(ids):
        return []
    # One length for every kind (no record has id 0), so that the query has a few shapes, not
    # one per combination of lengths, each compiled anew.
    longest = max(len(pks) for pks in ids)
    return CITATIONS(*[pks + [0] * (longest - len(pks)) for pks in ids])


def group(records: Iterable, key: str, ids: list[int]) -> dict[int, list]:
    grouped: dict[int, list] = {pk: [] for pk in ids}
    for record in records:
        grouped[getattr(record, key)].append(record)
    return grouped


def detail_contexts(
    proposals: list[Proposal], *, drafts: bool = True, day: dt.date | None = None
) -> list[dict]:
    """Everything the pages of these proposals show, in a fixed number of queries whatever
    their number: one per kind of record.

    `drafts`: relations to drafts are shown (analysts); `day`: the picture as known that day
    (the proposals then come from PROPOSALS with that day, with the status then in force).
    """
    ids = [proposal.pk for proposal in proposals]
    layers = group(LAYERS(ids), "proposal_id", ids)
    contributors, backers = defaultdict(list), defaultdict(list)
    for actor in ACTORS(ids):
        (backers if actor.role == "backer" else contributors)[actor.of].append(actor)
    latest_commitments: dict[tuple[int, int], Commitment] = {}
    for commitment in COMMITMENTS(ids, day):  # newest first
        latest_commitments.setdefault((commitment.layer_id, commitment.actor_id), commitment)
    preconditions = group(PRECONDITIONS(ids, day), "proposal_id", ids)
    positions = group(POSITIONS(ids, day), "proposal_id", ids)
    status_changes = group(STATUS_CHANGES(ids, day), "proposal_id", ids)
    events = group(EVENTS(ids, day), "shown_on", ids)
    relations = relations_by_proposal(ids, drafts)
    pages = [
        detail_context_of(
            proposal,
            day=day,
            layers=layers[proposal.pk],
            contributors=contributors,
            latest_commitments=latest_commitments,
            preconditions=preconditions[proposal.pk],
            positions=positions[proposal.pk],
            status_changes=status_changes[proposal.pk],
            events=events[proposal.pk],
            backers=backers[proposal.pk] if day is None else backers_of(positions[proposal.pk]),
            relations=relations[proposal.pk],
        )
        for proposal in proposals
    ]
    citations = citations_of_pages([shown for _, shown in pages])
    for context, shown in pages:
        by_target, context["sources"] = sort_citations(citations, shown, day)
        for claim, records in shown.items():
            for record in records:
                record.cited = by_target[claim, record.pk]
        context["proposal_citations"] = context["proposal"].cited
    return [context for context, _ in pages]


def detail_context(proposal: Proposal, *, drafts: bool = True, day: dt.date | None = None) -> dict:
    """Everything the proposal page shows; the editing views render single blocks of the page
    from it."""
    return detail_contexts([proposal], drafts=drafts, day=day)[0]


def detail_context_of(
    proposal: Proposal,
    *,
    day: dt.date | None,
    layers: list[Layer],
    contributors: dict[int, list[Actor]],
    latest_commitments: dict[tuple[int, int], Commitment],
    preconditions: list[Precondition],
    positions: list[Position],
    status_changes: list[StatusChange],
    events: list[Event],
    backers: list[Actor],
    relations: list[dict],
) -> tuple[dict, dict[str, list]]:
    """The page's context, but for what the sources say, and the claims it shows by kind."""
    if day is not None:
        proposal.status = proposal.status_then
    for layer in layers:
        layer.contributors_shown = contributors[layer.pk]
        layer.latest_commitments = [
            {"actor": actor, "commitment": latest_commitments[layer.pk, actor.pk]}
            for actor in layer.contributors_shown
            if (layer.pk, actor.pk) in latest_commitments
        ]
    for precondition in preconditions:
        if day is not None:
            precondition.status = precondition.status_then
    met = sum(p.status == PreconditionStatus.MET for p in preconditions)
    by_pk = {precondition.pk: precondition for precondition in preconditions}
    for change in status_changes:
        if change.precondition_id:  # the precondition as the page already has it
            change.precondition = by_pk[change.precondition_id]

    actors = {actor.pk: actor for actor in backers}
    roles: dict[int, list[str]] = defaultdict(list)
    for actor in backers:
        roles[actor.pk].append("proposes or supports the proposal")
    for layer in layers:
        for actor in layer.contributors_shown:
            actors[actor.pk] = actor
            roles[actor.pk].append(f"contributes to the {layer.kind.name} layer")
    for precondition in preconditions:
        if precondition.responsible:
            actors[precondition.responsible.pk] = precondition.responsible
            roles[precondition.responsible.pk].append(
                f"must act for the precondition: {precondition.label}"
            )
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

    context = {
        "proposal": proposal,
        "layers": layers,
        # Only analysts see the add-layer slot: the template asks, so readers' pages skip the query.
        "can_add_layer": lambda: LayerKind.objects.exclude(pk__in=used_kinds).exists(),
        "preconditions": preconditions,
        "preconditions_met": met,
        "actors": [
            {"actor": actor, "roles": roles[pk]}
            for pk, actor in sorted(actors.items(), key=lambda item: item[1].name)
        ],
        "events": events,
        "stances": stances(positions),
        "backers": backers,
        **as_of.on_page(day),
        "status_changes": status_changes,
        "relations": relations,
        "design": design,
        "reviewer": user_label(proposal.reviewed_by) if proposal.reviewed_at else "",
    }
    return context, shown


@require_GET
def proposal_detail(request: HttpRequest, slug: str) -> HttpResponse:
    day, problem = as_of.parse(request.GET)
    analyst = is_analyst(request.user)
    end = as_of.day_end(day) if day else None
    proposal = next(iter(PROPOSALS([slug], not analyst, day, end)), None)
    if proposal is None:
        visible = Proposal.objects.visible_to(request.user)
        if day is not None and visible.filter(slug=slug).exists():
            raise Http404(f"This proposal had not been reported by {day:%-d %B %Y}.")
        raise Http404("No such proposal.")
    context = detail_context(proposal, drafts=analyst, day=day) | {
        "problems": [problem] if problem else []
    }
    return render(request, "proposals/detail.html", context, status=400 if problem else 200)
