"""Claims: what a reader sees as a statement about the world, and which a citation can support.

One place says what each kind of claim is called, and which published claims no citation supports
(`manage.py audit_sources`, the analysts' queues). Every kind is asked for in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet

from .models import (
    Citation,
    Commitment,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
)
from .prepared import Prepared

# The kinds of claim, in the order of the proposal page, with the name of each in the output.
KINDS = {
    "proposal": "proposal",
    "layer": "layer",
    "precondition": "precondition",
    "position": "position",
    "commitment": "commitment",
    "status_change": "status change",
    "event": "event",
    "relation": "relation",
}


def describe(claim: models.Model) -> str:
    """The claim in a few words, as a reader would name it ("the Naval units layer")."""
    if isinstance(claim, Proposal):
        return "the proposal itself (its summary)"
    if isinstance(claim, Layer):
        return f"the {claim.kind.name} layer"
    if isinstance(claim, Precondition):
        return f"the precondition: {claim.label}"
    if isinstance(claim, Position):
        return (
            f"the position of {claim.actor.name} "
            f"({claim.get_stance_display().lower()}, {claim.stated_on:%-d %B %Y})"
        )
    if isinstance(claim, Commitment):
        return (
            f"the commitment of {claim.actor.name} to the {claim.layer.kind.name} layer "
            f"({claim.amount} {claim.get_phase_display().lower()}, {claim.stated_on:%-d %B %Y})"
        )
    if isinstance(claim, StatusChange):
        what = (
            f"the precondition {claim.precondition.label}"
            if claim.precondition_id
            else "the proposal"
        )
        return (
            f"the status of {what}: {claim.get_status_display().lower()} "
            f"from {claim.changed_on:%-d %B %Y}"
        )
    if isinstance(claim, Event):
        return f"the event of {claim.date:%-d %B %Y}: {claim.title}"
    if isinstance(claim, ProposalRelation):
        return f"the relation: {claim.get_kind_display()} {claim.other.title}"
    raise TypeError(f"Not a claim: {claim!r}")


@dataclass
class Unsourced:
    kind: str  # a key of KINDS
    proposal: Proposal
    claim: models.Model

    @property
    def what(self) -> str:
        return describe(self.claim)

    @property
    def url(self) -> str:
        return f"{self.proposal.get_absolute_url()}#{self.claim.anchor}"

    @property
    def cite_on(self) -> str:
        """What the citation form's ?on= calls the claim (proposals.views.editing.cited)."""
        if isinstance(self.claim, Proposal):
            return "proposal"
        if isinstance(self.claim, Layer):
            return f"layer:{self.claim.kind.slug}"
        if isinstance(self.claim, Precondition):
            return f"precondition:{self.claim.slug}"
        return self.claim.cite_on


def uncited(queryset: QuerySet, field: str) -> QuerySet:
    return queryset.filter(~Exists(Citation.objects.filter(**{field: OuterRef("pk")})))


def uncited_records() -> dict[str, tuple[QuerySet, str]]:
    """For each kind of claim but the proposal itself: its records that no citation supports,
    and the path from one to its proposal. An event may be on several proposals' timelines: its
    rows are its links to them, so that it is listed under each. A relation is a claim only
    while the proposal it names is published (readers see no other)."""
    links = Event.proposals.through.objects.filter(
        ~Exists(Citation.objects.filter(event=OuterRef("event_id")))
    )
    return {
        "layer": (uncited(Layer.objects.all(), "layer"), "proposal"),
        "precondition": (uncited(Precondition.objects.all(), "precondition"), "proposal"),
        "position": (uncited(Position.objects.all(), "position"), "proposal"),
        "commitment": (uncited(Commitment.objects.all(), "commitment"), "layer__proposal"),
        "status_change": (uncited(StatusChange.objects.all(), "status_change"), "proposal"),
        "event": (links, "proposal"),
        "relation": (
            uncited(ProposalRelation.objects.filter(other__is_published=True), "relation"),
            "proposal",
        ),
    }


# What to load with each kind (its proposal is looked up among those asked for).
RELATED = {
    "layer": ("kind",),
    "precondition": (),
    "position": ("actor",),
    "commitment": ("layer__kind", "actor"),
    "status_change": ("precondition",),
    "event": ("event",),
    "relation": ("other",),
}


def claims_of(kind: str, proposals) -> QuerySet:
    """The records of one kind of claim of these proposals (a queryset or a list of ids) that no
    citation supports, with what describing them needs."""
    records, path = uncited_records()[kind]
    rows = records.filter(**{f"{path}__in": proposals}).select_related(*RELATED[kind])
    if kind == "relation":  # the proposal it names: its search document is long, and not shown
        rows = rows.defer("other__search_document", "other__search_vector")
    return rows


def unsourced(proposals: QuerySet[Proposal] | None = None) -> list[Unsourced]:
    """Every claim of these proposals (by default: the published ones) that no citation supports,
    by proposal title, then in the order of the proposal page. One query per kind of claim, and
    one for the proposals."""
    if proposals is None:
        proposals = Proposal.objects.published()
    by_id = proposals.order_by().defer("search_document", "search_vector").in_bulk()
    uncited_ids = uncited(proposals, "proposal").order_by().values_list("pk", flat=True)
    return collected(by_id, uncited_ids, {kind: claims_of(kind, proposals) for kind in RELATED})


def _published(ids: list[int]) -> QuerySet[Proposal]:
    return Proposal.objects.published().filter(pk__in=ids)


# The same for a few published proposals, compiled once per process (the workspace's queue).
PUBLISHED = Prepared(lambda ids: _published(ids).defer("search_document", "search_vector"))
UNCITED_PROPOSALS = Prepared(lambda ids: uncited(_published(ids), "proposal").only("pk"))
CLAIMS_OF = {kind: Prepared(partial(claims_of, kind)) for kind in RELATED}


def unsourced_of(ids: list[int]) -> list[Unsourced]:
    """unsourced() of the published proposals among `ids`."""
    by_id = {proposal.pk: proposal for proposal in PUBLISHED(ids)}
    uncited_ids = [proposal.pk for proposal in UNCITED_PROPOSALS(ids)]
    return collected(by_id, uncited_ids, {kind: CLAIMS_OF[kind](ids) for kind in RELATED})


def collected(by_id: dict[int, Proposal], uncited_ids, rows: dict) -> list[Unsourced]:
    """The claims found, each with its proposal, in the order unsourced() gives."""
    found = [Unsourced("proposal", by_id[pk], by_id[pk]) for pk in uncited_ids]
    for kind, records in rows.items():
        for row in records:
            if kind == "event":
                found.append(Unsourced(kind, by_id[row.proposal_id], row.event))
            elif kind == "commitment":
                found.append(Unsourced(kind, by_id[row.layer.proposal_id], row))
            else:
                found.append(Unsourced(kind, by_id[row.proposal_id], row))
    order = list(KINDS)
    found.sort(key=lambda item: (item.proposal.title, item.proposal.pk, order.index(item.kind)))
    return found
