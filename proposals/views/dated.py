"""Analysts edit who stands where and what happened when, in place: positions, commitments,
status changes and relations (proposals.views.blocks says how a block is edited)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from ..decorators import editable_view
from ..forms import delete_form
from ..forms_dated import (
    CommitmentEditForm,
    CommitmentForm,
    PositionEditForm,
    PositionForm,
    RelationEditForm,
    RelationForm,
    StatusChangeEditForm,
)
from ..models import Commitment, Layer, Position, Proposal, ProposalRelation, StatusChange
from . import blocks
from .blocks import Block
from .editing import DELETE, found

SECTION = {Position: "positions", StatusChange: "status", ProposalRelation: "relations"}

POSITION_NEW = Block(
    PositionForm,
    "Record a position",
    anchor="add-position",
    wrapper="div",
    submit="Add position",
)
POSITION_EDIT = Block(PositionEditForm, "Edit the position of {obj.actor.name} ({obj.stated_on})")
POSITION_DELETE = Block(
    delete_form(Position), "Delete the position of {obj.actor.name} ({obj.stated_on})?", **DELETE
)
COMMITMENT_NEW = Block(
    CommitmentForm,
    "Record a commitment",
    anchor="add-commitment-{obj.kind.slug}",
    wrapper="div",
    submit="Add commitment",
)
COMMITMENT_EDIT = Block(CommitmentEditForm, "Edit the commitment of {obj.actor.name}")
COMMITMENT_DELETE = Block(
    delete_form(Commitment), "Delete the commitment of {obj.actor.name}?", **DELETE
)
STATUS_CHANGE_EDIT = Block(StatusChangeEditForm, "Correct the status change of {obj.changed_on}")
STATUS_CHANGE_DELETE = Block(
    delete_form(StatusChange), "Delete the status change of {obj.changed_on}?", **DELETE
)
RELATION_NEW = Block(
    RelationForm,
    "Relate another proposal",
    anchor="add-relation",
    wrapper="div",
    submit="Add relation",
)
RELATION_EDIT = Block(RelationEditForm, "Edit the relation")
RELATION_DELETE = Block(delete_form(ProposalRelation), "Delete this relation?", **DELETE)


def section_updated(request: HttpRequest, proposal: Proposal, record) -> HttpResponse:
    """After a change: the section that lists such records (a commitment's layer), as it is now."""
    if isinstance(record, Commitment):
        layer = Layer.objects.select_related("kind").get(pk=record.layer_id)
        return blocks.updated(
            request, proposal, layer.anchor, "layer", item=layer, retarget=f"#{layer.anchor}"
        )
    section = SECTION[type(record)]
    return blocks.updated(request, proposal, section, section, retarget=f"#{section}")


def create(request: HttpRequest, block: Block, proposal: Proposal, **kwargs) -> HttpResponse:
    return blocks.create(
        request,
        block,
        proposal,
        {"proposal": proposal, **kwargs},
        done=lambda record: section_updated(request, proposal, record),
    )


def edit(request: HttpRequest, block: Block, proposal: Proposal, record) -> HttpResponse:
    done = lambda saved: section_updated(request, proposal, saved)  # noqa: E731
    return blocks.edit(request, block, proposal, record, {"proposal": proposal}, done=done)


def delete(request: HttpRequest, block: Block, proposal: Proposal, record) -> HttpResponse:
    done = lambda _: section_updated(request, proposal, record)  # noqa: E731
    return blocks.delete(request, block, proposal, record, done=done)


def get_position(request: HttpRequest, slug: str, pk: int):
    return found(request, Position.objects.select_related("actor"), "The position", slug, id=pk)


def get_commitment(request: HttpRequest, slug: str, pk: int):
    queryset = Commitment.objects.select_related("actor", "layer__kind")
    return found(request, queryset, "The commitment", slug, via="layer__proposal", id=pk)


def get_status_change(request: HttpRequest, slug: str, pk: int):
    return found(request, StatusChange.objects, "The status change", slug, id=pk)


def get_relation(request: HttpRequest, slug: str, pk: int):
    return found(request, ProposalRelation.objects, "The relation", slug, id=pk)


@editable_view
def position_create(request: HttpRequest, slug: str) -> HttpResponse:
    return create(request, POSITION_NEW, get_object_or_404(Proposal, slug=slug))


@editable_view
def position_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return edit(request, POSITION_EDIT, *get_position(request, slug, pk))


@editable_view
def position_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return delete(request, POSITION_DELETE, *get_position(request, slug, pk))


@editable_view
def commitment_create(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """A commitment for one layer (the one whose block the analyst opened it from)."""
    layer = get_object_or_404(
        Layer.objects.select_related("proposal", "kind"), proposal__slug=slug, kind__slug=kind
    )
    block = Block(
        COMMITMENT_NEW.form,
        COMMITMENT_NEW.title,
        anchor=COMMITMENT_NEW.anchor.format(obj=layer),
        wrapper=COMMITMENT_NEW.wrapper,
        submit=COMMITMENT_NEW.submit,
    )
    return create(request, block, layer.proposal, initial={"layer": layer})


@editable_view
def commitment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return edit(request, COMMITMENT_EDIT, *get_commitment(request, slug, pk))


@editable_view
def commitment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return delete(request, COMMITMENT_DELETE, *get_commitment(request, slug, pk))


@editable_view
def status_change_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return edit(request, STATUS_CHANGE_EDIT, *get_status_change(request, slug, pk))


@editable_view
def status_change_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return delete(request, STATUS_CHANGE_DELETE, *get_status_change(request, slug, pk))


@editable_view
def relation_create(request: HttpRequest, slug: str) -> HttpResponse:
    return create(request, RELATION_NEW, get_object_or_404(Proposal, slug=slug))


@editable_view
def relation_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return edit(request, RELATION_EDIT, *get_relation(request, slug, pk))


@editable_view
def relation_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return delete(request, RELATION_DELETE, *get_relation(request, slug, pk))
