"""Claims: what a reader sees as a statement about the world, and which a citation can support.

One place says what each kind of claim is called, and which published claims no citation supports
(`manage.py audit_sources`, the analysts' queues). Every kind is asked for in one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

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


def unsourced(proposals: QuerySet[Proposal] | None = None) -> Iterator[Unsourced]:
    """Every claim of these proposals (by default: the published ones) that no citation supports,
    by proposal title, then in the order of the proposal page. One query per kind of claim."""
    if proposals is None:
        proposals = Proposal.objects.published()
    found: list[Unsourced] = []
    for proposal in uncited(proposals, "proposal").order_by():
        found.append(Unsourced("proposal", proposal, proposal))
    for layer in uncited(Layer.objects.filter(proposal__in=proposals), "layer").select_related(
        "proposal", "kind"
    ):
        found.append(Unsourced("layer", layer.proposal, layer))
    for precondition in uncited(
        Precondition.objects.filter(proposal__in=proposals), "precondition"
    ).select_related("proposal"):
        found.append(Unsourced("precondition", precondition.proposal, precondition))
    for position in uncited(
        Position.objects.filter(proposal__in=proposals), "position"
    ).select_related("proposal", "actor"):
        found.append(Unsourced("position", position.proposal, position))
    for commitment in uncited(
        Commitment.objects.filter(layer__proposal__in=proposals), "commitment"
    ).select_related("layer__proposal", "layer__kind", "actor"):
        found.append(Unsourced("commitment", commitment.layer.proposal, commitment))
    for change in uncited(
        StatusChange.objects.filter(proposal__in=proposals), "status_change"
    ).select_related("proposal", "precondition"):
        found.append(Unsourced("status_change", change.proposal, change))
    # An event may be on several proposals' timelines: it is listed under each.
    links = Event.proposals.through.objects.filter(proposal__in=proposals).filter(
        ~Exists(Citation.objects.filter(event=OuterRef("event_id")))
    )
    for link in links.select_related("event", "proposal"):
        found.append(Unsourced("event", link.proposal, link.event))
    for relation in uncited(
        ProposalRelation.objects.filter(proposal__in=proposals, other__in=proposals), "relation"
    ).select_related("proposal", "other"):
        found.append(Unsourced("relation", relation.proposal, relation))
    order = list(KINDS)
    found.sort(key=lambda item: (item.proposal.title, item.proposal.pk, order.index(item.kind)))
    yield from found
