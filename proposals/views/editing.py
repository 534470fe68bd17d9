"""Analysts edit a proposal in place, block by block (proposals.views.blocks says how).

The table below describes each editable block; the views find the record and hand it over.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import claims, writes
from ..decorators import Gone, analyst_required, editable_view
from ..forms import (
    CitationForm,
    EventForm,
    LayerEditForm,
    LayerForm,
    PreconditionEditForm,
    PreconditionForm,
    PreconditionStatusForm,
    ProposalEditForm,
    ProposalForm,
    PublishForm,
    delete_form,
)
from ..models import (
    Citation,
    Commitment,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
    of_proposal,
)
from . import blocks
from .blocks import Block

DELETE = {
    "submit": "Delete",
    "danger": True,
    "intro": "This cannot be undone, though the history keeps a record of it.",
}
REMOVE = {"wrapper": "div", "submit": "Remove", "danger": True}
PRECONDITION = {"shows": ("precondition",), "oob": ("preconditions-summary",)}

PROPOSAL_NEW = Block(
    ProposalForm, "New proposal", anchor="proposal-new", wrapper="div", submit="Create draft"
)
PROPOSAL_EDIT = Block(ProposalEditForm, "Edit the proposal", shows=("header",), wrapper="div")
PROPOSAL_PUBLISH = Block(
    PublishForm, "Publish the proposal", shows=("header",), wrapper="div", submit="Publish"
)
LAYER_NEW = Block(
    LayerForm, "Add a layer", anchor="add-layer", shows=("layer", "add-layer"), submit="Add layer"
)
LAYER_EDIT = Block(LayerEditForm, "Edit the {obj.kind.name} layer", shows=("layer",))
LAYER_DELETE = Block(
    delete_form(Layer),
    "Delete the {obj.kind.name} layer?",
    oob=("add-layer",),
    back_to="layers",
    **DELETE,
)
PRECONDITION_NEW = Block(
    PreconditionForm,
    "Add a precondition",
    anchor="add-precondition",
    submit="Add precondition",
    shows=("precondition", "add-precondition"),
    oob=("preconditions-summary",),
)
PRECONDITION_EDIT = Block(PreconditionEditForm, "Edit the precondition", **PRECONDITION)
PRECONDITION_STATUS = Block(
    PreconditionStatusForm, "Change the precondition's status", **PRECONDITION
)
PRECONDITION_DELETE = Block(
    delete_form(Precondition),
    "Delete this precondition?",
    oob=("preconditions-summary",),
    back_to="preconditions",
    **DELETE,
)
CITATION_NEW = Block(
    CitationForm,
    lambda claim: f"Cite a source for {claims.describe(claim)}",
    anchor="cite-{obj.anchor}",
    wrapper="div",
    submit="Add citation",
)
CITATION_DELETE = Block(
    delete_form(Citation),
    lambda citation: (
        f"Remove the quote “{citation.text}”?"
        if citation.is_quote
        else f"Remove the paraphrase “according to {citation.source.publisher}”?"
    ),
    "{obj.claim.anchor}",
    **REMOVE,
)
EVENT_NEW = Block(
    EventForm, "Add an event to the timeline", anchor="add-event", wrapper="div", submit="Add event"
)
EVENT_REMOVE = Block(forms.Form, "Remove “{obj.title}” from the timeline?", "timeline", **REMOVE)


# The proposal ------------------------------------------------------------------------------


@editable_view
def proposal_create(request: HttpRequest) -> HttpResponse:
    def done(proposal: Proposal) -> HttpResponse:
        if not request.htmx:
            return redirect(proposal.get_absolute_url())
        response = HttpResponse(status=204)
        response["HX-Redirect"] = proposal.get_absolute_url()
        return response

    return blocks.handle(
        request,
        PROPOSAL_NEW,
        None,
        write=lambda form: writes.create(request.user, None, form.save),
        done=done,
    )


@editable_view
def proposal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.edit(request, PROPOSAL_EDIT, proposal, proposal)


@require_POST
@analyst_required
def proposal_publish(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.edit(
        request, PROPOSAL_PUBLISH, proposal, proposal, form_kwargs={"reviewer": request.user}
    )


# Layers ------------------------------------------------------------------------------------


def found(request: HttpRequest, queryset, what: str, proposal_slug: str, via="proposal", **lookup):
    """The record of a proposal (reached `via` that path); if it was deleted meanwhile, a POST is
    told so (409)."""
    model = queryset.model
    record = (
        queryset.select_related(via).filter(**{f"{via}__slug": proposal_slug}, **lookup).first()
    )
    if record is not None:
        proposal = record
        for step in via.split("__"):
            proposal = getattr(proposal, step)
        return proposal, record
    proposal = get_object_or_404(Proposal, slug=proposal_slug)
    deleted = model.history.filter(history_type="-", **lookup)
    if via == "proposal":
        deleted = deleted.filter(proposal_id=proposal.pk)
    if request.method == "POST" and deleted.exists():
        raise Gone(blocks.gone(request, proposal, what))
    raise Http404(f"No such {model._meta.verbose_name}.")


def get_layer(request: HttpRequest, slug: str, kind: str) -> tuple[Proposal, Layer]:
    return found(
        request, Layer.objects.select_related("kind"), f"The “{kind}” layer", slug, kind__slug=kind
    )


@editable_view
def layer_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.create(request, LAYER_NEW, proposal, {"proposal": proposal})


@editable_view
def layer_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    proposal, layer = get_layer(request, slug, kind)
    return blocks.edit(request, LAYER_EDIT, proposal, layer, {"proposal": proposal})


@editable_view
def layer_delete(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    proposal, layer = get_layer(request, slug, kind)
    return blocks.delete(request, LAYER_DELETE, proposal, layer)


# Preconditions -----------------------------------------------------------------------------


def get_precondition(request: HttpRequest, slug: str, key: str) -> tuple[Proposal, Precondition]:
    return found(request, Precondition.objects, f"The precondition “{key}”", slug, slug=key)


@editable_view
def precondition_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.create(request, PRECONDITION_NEW, proposal, {"proposal": proposal})


@editable_view
def precondition_edit(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    proposal, record = get_precondition(request, slug, precondition)
    return blocks.edit(request, PRECONDITION_EDIT, proposal, record, {"proposal": proposal})


@require_POST
@analyst_required
def precondition_status(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    """Change a precondition's status in one action (the buttons on the proposal page)."""
    proposal, record = get_precondition(request, slug, precondition)
    return blocks.edit(request, PRECONDITION_STATUS, proposal, record)


@editable_view
def precondition_delete(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    proposal, record = get_precondition(request, slug, precondition)
    return blocks.delete(request, PRECONDITION_DELETE, proposal, record)


# Citations and events ----------------------------------------------------------------------

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


# The dated records a citation may support, by their id: ?on=position:<id>, and so on.
DATED = {
    "position": Position.objects.select_related("actor"),
    "commitment": Commitment.objects.select_related("actor", "layer__kind"),
    "status_change": StatusChange.objects.all(),
    "event": Event.objects.all(),
    "relation": ProposalRelation.objects.select_related("other"),
}
# How each is found from the proposal.
VIA = {"commitment": "layer__proposal", "event": "proposals"}
ON = (
    "?on= takes proposal, layer:<kind>, precondition:<slug>, position:<id>, commitment:<id>, "
    "status_change:<id>, event:<id> or relation:<id>."
)


# The field of Citation that points at each kind of claim.
CLAIM_FIELD = {
    Proposal: "proposal",
    Layer: "layer",
    Precondition: "precondition",
    Position: "position",
    Commitment: "commitment",
    StatusChange: "status_change",
    Event: "event",
    ProposalRelation: "relation",
}


def cited(request: HttpRequest, proposal: Proposal):
    """What a new citation supports, from ?on= (the proposal by default)."""
    on = request.GET.get("on", "proposal")
    kind, _, key = on.partition(":")
    if on == "proposal":
        return proposal
    if kind in {"layer", "precondition"} and SLUG.fullmatch(key):
        if kind == "layer":
            return get_object_or_404(
                Layer.objects.select_related("kind"), proposal=proposal, kind__slug=key
            )
        return get_object_or_404(Precondition, proposal=proposal, slug=key)
    if kind in DATED and key.isdigit() and len(key) < 19:
        via = VIA.get(kind, "proposal")
        return get_object_or_404(DATED[kind], **{via: proposal, "pk": int(key)})
    raise BadRequest(ON)


def claim_updated(request: HttpRequest, proposal: Proposal, claim) -> HttpResponse:
    """The block of the claim a citation supports, with its citations as they are now."""
    if isinstance(claim, Commitment):
        claim = claim.layer
    section = {
        Position: "positions",
        StatusChange: "status",
        Event: "timeline",
        ProposalRelation: "relations",
    }.get(type(claim))
    if section:  # the record's section, as the page shows it
        return blocks.updated(
            request, proposal, claim.anchor, section, oob=("sources",), retarget=f"#{section}"
        )
    partial = {Layer: "layer", Precondition: "precondition"}.get(type(claim), "header")
    return blocks.updated(
        request,
        proposal,
        claim.anchor,
        partial,
        item=None if isinstance(claim, Proposal) else claim,
        oob=("sources",),
        retarget=f"#{claim.anchor}",
    )


@editable_view
def citation_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    claim = cited(request, proposal)

    def done(citation: Citation) -> HttpResponse:
        # From the workspace's unsourced queue, back to it (a page of this site only).
        back = request.GET.get("next", "")
        if (
            not request.htmx
            and back.startswith("/")
            and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        ):
            return redirect(back)
        return claim_updated(request, proposal, claim)

    return blocks.create(
        request,
        CITATION_NEW,
        proposal,
        subject=claim,
        done=done,
        form_kwargs={"instance": Citation(**{CLAIM_FIELD[type(claim)]: claim})},
    )


@editable_view
def citation_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    citation = get_object_or_404(
        Citation.objects.select_related(
            "layer__kind",
            "precondition",
            "proposal",
            "source",
            "position",
            "status_change",
            "commitment__layer__kind",
            "event",
            "relation",
        ),
        of_proposal("__slug", slug),
        pk=pk,
    )
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.handle(
        request,
        CITATION_DELETE,
        proposal,
        write=lambda form: writes.delete(citation, form.cleaned_data["version"], request.user),
        done=lambda _: claim_updated(request, proposal, citation.claim),
        subject=citation,
        form_kwargs={"instance": citation},
    )


@editable_view
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return blocks.create(
        request,
        EVENT_NEW,
        proposal,
        done=lambda event: timeline_updated(request, proposal),
        form_kwargs={"proposal": proposal},
    )


@editable_view
def event_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    event = get_object_or_404(Event, proposals=proposal, pk=pk)
    return blocks.handle(
        request,
        EVENT_REMOVE,
        proposal,
        write=lambda form: writes.remove_event(event, proposal, request.user),
        done=lambda _: timeline_updated(request, proposal),
        subject=event,
    )


def timeline_updated(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    return blocks.updated(request, proposal, "timeline", "timeline", retarget="#timeline")
