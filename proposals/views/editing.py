"""Analysts edit a proposal in place, block by block.

Each edit URL serves a full page without JavaScript and, to htmx, just the form, which replaces the
block it edits. A valid save answers htmx with the updated block (and, out of band, the counters
that depend on it) and everyone else with a redirect; invalid input comes back with 422, a save
based on a stale version with 409 and what changed meanwhile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ..forms import (
    CitationForm,
    Conflict,
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
from ..models import Citation, Event, Layer, Precondition, Proposal, is_analyst
from .browse import detail_context


def analyst_required(view: Callable) -> Callable:
    """Anonymous readers are sent to sign in (or refused a POST); other users are refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.method in {"GET", "HEAD"}:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("Sign in as an analyst to make changes.")
        if not is_analyst(request.user):
            raise PermissionDenied("Only analysts can make changes.")
        return view(request, *args, **kwargs)

    return wrapper


def editable_view(view: Callable) -> Callable:
    return require_http_methods(["GET", "POST"])(analyst_required(view))


# Rendering ---------------------------------------------------------------------------------


def form_response(
    request: HttpRequest,
    form: BaseForm,
    *,
    proposal: Proposal | None,
    title: str,
    block: str,
    wrapper: str = "li",
    submit: str = "Save",
    status: int = 200,
    conflict: Conflict | None = None,
    danger: bool = False,
    intro: str = "",
) -> HttpResponse:
    """The form, as a page of its own or, for htmx, as the block it replaces on the page."""
    detail_url = proposal.get_absolute_url() if proposal else reverse("proposal-list")
    form.auto_id = f"f-{block}-%s"  # unique ids when several forms are open on one page
    first_field = next(iter(form.visible_fields()), None)
    if first_field is not None and not form.errors and conflict is None:
        first_field.field.widget.attrs["autofocus"] = True  # htmx focuses it after the swap
    context = {
        "fragment": bool(request.htmx),
        "form": form,
        "proposal": proposal,
        "title": title,
        "action": request.get_full_path(),
        "block": block,
        "wrapper": wrapper,
        "submit": submit,
        "danger": danger,
        "intro": intro,
        "conflict": conflict,
        "cancel_url": f"{detail_url}#{block}" if proposal else detail_url,
        "detail_url": detail_url,
    }
    template = "proposals/edit.html#form" if request.htmx else "proposals/edit.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def saved_response(
    request: HttpRequest,
    proposal: Proposal,
    anchor: str,
    *blocks: str,
    item: models.Model | None = None,
    oob: tuple[str, ...] = (),
    retarget: str | None = None,
) -> HttpResponse:
    """After a save: the updated blocks for htmx (post/redirect/get for everyone else).

    `blocks` replace the form that was sent (or `retarget`); `oob` blocks update themselves
    elsewhere on the page, as do the counters of the table of contents after every change.
    `item` is the layer or precondition whose block is rendered, taken from the page's context
    so that it carries everything the page shows with it.
    """
    if not request.htmx:
        return redirect(f"{proposal.get_absolute_url()}#{anchor}")
    context = detail_context(proposal) | {"just_saved": True}
    if item is not None:
        name = type(item)._meta.model_name
        context[name] = next(obj for obj in context[f"{name}s"] if obj.pk == item.pk)
    html = [
        render_to_string(f"proposals/detail.html#{block}", context, request) for block in blocks
    ]
    for block in (*oob, "toc", "actors"):
        html.append(
            render_to_string(
                f"proposals/detail.html#{block}",
                context | {"oob": True, "just_saved": False},
                request,
            )
        )
    response = HttpResponse("".join(html))
    response["Vary"] = "HX-Request"
    if retarget:
        response["HX-Retarget"] = retarget
        response["HX-Reswap"] = "outerHTML"
    return response


def conflict_form(form_class, request: HttpRequest, conflict: Conflict, **kwargs) -> BaseForm:
    """The analyst's input again, now based on the current version, to re-apply deliberately."""
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = form_class(data, instance=conflict.current, **kwargs)
    form.is_valid()
    return form


def gone(request: HttpRequest, proposal: Proposal, what: str) -> HttpResponse:
    response = render(
        request,
        "proposals/edit.html#gone" if request.htmx else "proposals/edit.html",
        {"proposal": proposal, "gone": what, "detail_url": proposal.get_absolute_url()},
        status=409,
    )
    response["Vary"] = "HX-Request"
    return response


def edit_versioned(
    request: HttpRequest,
    form_class,
    instance,
    *,
    proposal: Proposal,
    title: str,
    block: str,
    on_saved: Callable[[object], HttpResponse],
    wrapper: str = "li",
    form_kwargs: dict | None = None,
) -> HttpResponse:
    """GET: the form. POST: a save that is refused if someone saved the record meanwhile."""
    form_kwargs = form_kwargs or {}
    if request.method == "GET":
        return form_response(
            request,
            form_class(instance=instance, **form_kwargs),
            proposal=proposal,
            title=title,
            block=block,
            wrapper=wrapper,
        )
    form = form_class(request.POST, instance=instance, **form_kwargs)
    if not form.is_valid():
        return form_response(
            request, form, proposal=proposal, title=title, block=block, wrapper=wrapper, status=422
        )
    try:
        saved = form.save()
    except Conflict as conflict:
        if conflict.current is None:
            return gone(request, proposal, title)
        return form_response(
            request,
            conflict_form(form_class, request, conflict, **form_kwargs),
            proposal=proposal,
            title=title,
            block=block,
            wrapper=wrapper,
            status=409,
            conflict=conflict,
        )
    return on_saved(saved)


def create(
    request: HttpRequest,
    form_class,
    *,
    proposal: Proposal,
    title: str,
    block: str,
    on_saved: Callable[[object], HttpResponse],
    wrapper: str = "li",
    submit: str = "Save",
    form_kwargs: dict | None = None,
) -> HttpResponse:
    """GET: an empty form. POST: create the record, or show what to fix (422)."""
    form_kwargs = form_kwargs or {}
    if request.method == "GET":
        form = form_class(**form_kwargs)
        return form_response(
            request,
            form,
            proposal=proposal,
            title=title,
            block=block,
            wrapper=wrapper,
            submit=submit,
        )
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        return form_response(
            request,
            form,
            proposal=proposal,
            title=title,
            block=block,
            wrapper=wrapper,
            submit=submit,
            status=422,
        )
    try:
        with transaction.atomic():
            saved = form.save()
    except IntegrityError:
        # Two analysts created the same thing at once; the database kept the first.
        form.add_error(
            None, "Someone created the same record a moment ago: check the page, then try again."
        )
        return form_response(
            request,
            form,
            proposal=proposal,
            title=title,
            block=block,
            wrapper=wrapper,
            submit=submit,
            status=409,
        )
    return on_saved(saved)


def delete_versioned(
    request: HttpRequest,
    instance,
    *,
    proposal: Proposal,
    title: str,
    block: str,
    on_deleted: Callable[[], HttpResponse],
) -> HttpResponse:
    """GET: ask for confirmation. POST: delete the version the analyst confirmed."""
    form_class = delete_form(type(instance))
    form_kwargs = {"title": title, "block": block, "submit": "Delete", "danger": True}
    intro = "This cannot be undone, though the history keeps a record of it."
    if request.method == "GET":
        return form_response(
            request, form_class(instance=instance), proposal=proposal, intro=intro, **form_kwargs
        )
    form = form_class(request.POST, instance=instance)
    if not form.is_valid():
        return form_response(
            request, form, proposal=proposal, intro=intro, status=422, **form_kwargs
        )
    try:
        form.delete()
    except Conflict as conflict:
        if conflict.current is None:
            return gone(request, proposal, title)
        return form_response(
            request,
            conflict_form(form_class, request, conflict),
            proposal=proposal,
            intro=intro,
            status=409,
            conflict=conflict,
            **form_kwargs,
        )
    return on_deleted()


# The proposal ------------------------------------------------------------------------------


@editable_view
def proposal_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return form_response(
            request,
            ProposalForm(),
            proposal=None,
            title="New proposal",
            block="proposal-new",
            wrapper="div",
            submit="Create draft",
        )
    form = ProposalForm(request.POST)
    if not form.is_valid():
        return form_response(
            request,
            form,
            proposal=None,
            title="New proposal",
            block="proposal-new",
            wrapper="div",
            submit="Create draft",
            status=422,
        )
    with transaction.atomic():
        proposal = form.save()
    response = redirect(proposal.get_absolute_url())
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = proposal.get_absolute_url()
    return response


@editable_view
def proposal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return edit_versioned(
        request,
        ProposalEditForm,
        proposal,
        proposal=proposal,
        title="Edit the proposal",
        block="proposal-header",
        wrapper="div",
        on_saved=lambda saved: saved_response(request, saved, "proposal-header", "header"),
    )


@require_POST
@analyst_required
def proposal_publish(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    form = PublishForm(request.POST, instance=proposal)
    if not form.is_valid():
        return form_response(
            request,
            form,
            proposal=proposal,
            title="Publish the proposal",
            block="proposal-header",
            wrapper="div",
            submit="Publish",
            status=422,
        )
    try:
        form.save()
    except Conflict as conflict:
        if conflict.current is None:
            return gone(request, proposal, "Publish")
        return form_response(
            request,
            conflict_form(PublishForm, request, conflict),
            proposal=proposal,
            title="Publish the proposal",
            block="proposal-header",
            wrapper="div",
            submit="Publish",
            status=409,
            conflict=conflict,
        )
    return saved_response(request, proposal, "proposal-header", "header")


# Layers ------------------------------------------------------------------------------------


def get_layer(slug: str, kind: str) -> tuple[Proposal, Layer]:
    layer = get_object_or_404(
        Layer.objects.select_related("proposal", "kind"), proposal__slug=slug, kind__slug=kind
    )
    return layer.proposal, layer


@editable_view
def layer_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return create(
        request,
        LayerForm,
        proposal=proposal,
        title="Add a layer",
        block="add-layer",
        submit="Add layer",
        form_kwargs={"proposal": proposal},
        on_saved=lambda layer: saved_response(
            request, proposal, f"layer-{layer.kind.slug}", "layer", "add-layer", item=layer
        ),
    )


@editable_view
def layer_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    proposal, layer = get_layer(slug, kind)
    return edit_versioned(
        request,
        LayerEditForm,
        layer,
        proposal=proposal,
        title=f"Edit the {layer.kind.name} layer",
        block=f"layer-{kind}",
        form_kwargs={"proposal": proposal},
        on_saved=lambda saved: saved_response(
            request, proposal, f"layer-{kind}", "layer", item=saved
        ),
    )


@editable_view
def layer_delete(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    proposal, layer = get_layer(slug, kind)
    return delete_versioned(
        request,
        layer,
        proposal=proposal,
        title=f"Delete the {layer.kind.name} layer?",
        block=f"layer-{kind}",
        on_deleted=lambda: saved_response(request, proposal, "layers", oob=("add-layer",)),
    )


# Preconditions -----------------------------------------------------------------------------


def get_precondition(slug: str, precondition: str) -> tuple[Proposal, Precondition]:
    found = get_object_or_404(
        Precondition.objects.select_related("proposal"), proposal__slug=slug, slug=precondition
    )
    return found.proposal, found


def precondition_saved(request: HttpRequest, proposal: Proposal, precondition: Precondition):
    return saved_response(
        request,
        proposal,
        f"precondition-{precondition.slug}",
        "precondition",
        item=precondition,
        oob=("preconditions-summary",),
    )


@editable_view
def precondition_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    return create(
        request,
        PreconditionForm,
        proposal=proposal,
        title="Add a precondition",
        block="add-precondition",
        submit="Add precondition",
        form_kwargs={"proposal": proposal},
        on_saved=lambda saved: saved_response(
            request,
            proposal,
            f"precondition-{saved.slug}",
            "precondition",
            "add-precondition",
            item=saved,
            oob=("preconditions-summary",),
        ),
    )


@editable_view
def precondition_edit(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    proposal, found = get_precondition(slug, precondition)
    return edit_versioned(
        request,
        PreconditionEditForm,
        found,
        proposal=proposal,
        title="Edit the precondition",
        block=f"precondition-{found.slug}",
        form_kwargs={"proposal": proposal},
        on_saved=lambda saved: precondition_saved(request, proposal, saved),
    )


@require_POST
@analyst_required
def precondition_status(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    """Change a precondition's status in one action (the buttons on the proposal page)."""
    proposal, found = get_precondition(slug, precondition)
    return edit_versioned(
        request,
        PreconditionStatusForm,
        found,
        proposal=proposal,
        title="Change the precondition's status",
        block=f"precondition-{found.slug}",
        on_saved=lambda saved: precondition_saved(request, proposal, saved),
    )


@editable_view
def precondition_delete(request: HttpRequest, slug: str, precondition: str) -> HttpResponse:
    proposal, found = get_precondition(slug, precondition)
    return delete_versioned(
        request,
        found,
        proposal=proposal,
        title="Delete this precondition?",
        block=f"precondition-{found.slug}",
        on_deleted=lambda: saved_response(
            request, proposal, "preconditions", oob=("preconditions-summary",)
        ),
    )


# Citations and events ----------------------------------------------------------------------

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


def citation_target(request: HttpRequest, proposal: Proposal) -> tuple[dict, str, str]:
    """What a new citation supports, from ?on=proposal, ?on=layer:<kind> or ?on=precondition:<slug>."""
    on = request.GET.get("on", "proposal")
    kind, _, key = on.partition(":")
    if on != "proposal" and (kind not in {"layer", "precondition"} or not SLUG.fullmatch(key)):
        raise BadRequest("?on= takes proposal, layer:<kind> or precondition:<slug>.")
    if kind == "layer":
        layer = get_object_or_404(
            Layer.objects.select_related("kind"), proposal=proposal, kind__slug=key
        )
        return {"layer": layer}, f"layer-{key}", f"the {layer.kind.name} layer"
    if kind == "precondition":
        found = get_object_or_404(Precondition, proposal=proposal, slug=key)
        return {"precondition": found}, f"precondition-{key}", "this precondition"
    return {"proposal": proposal}, "proposal-header", "the proposal"


def block_of(citation: Citation) -> tuple[str, str, models.Model | None]:
    """The page block that shows a citation: (partial, anchor, item)."""
    if citation.layer_id:
        return "layer", f"layer-{citation.layer.kind.slug}", citation.layer
    if citation.precondition_id:
        return "precondition", f"precondition-{citation.precondition.slug}", citation.precondition
    return "header", "proposal-header", None


@editable_view
def citation_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    target, block, described = citation_target(request, proposal)

    def saved(citation: Citation) -> HttpResponse:
        partial, anchor, item = block_of(citation)
        return saved_response(
            request, proposal, anchor, partial, item=item, oob=("sources",), retarget=f"#{anchor}"
        )

    return create(
        request,
        CitationForm,
        proposal=proposal,
        title=f"Cite a source for {described}",
        block=f"cite-{block}",
        wrapper="div",
        submit="Add citation",
        form_kwargs={"instance": Citation(**target)},
        on_saved=saved,
    )


@editable_view
def citation_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    citation = get_object_or_404(
        Citation.objects.select_related("layer__kind", "precondition", "source"),
        Q(proposal__slug=slug)
        | Q(layer__proposal__slug=slug)
        | Q(precondition__proposal__slug=slug),
        pk=pk,
    )
    proposal = get_object_or_404(Proposal, slug=slug)
    partial, anchor, item = block_of(citation)
    if request.method == "GET":
        return render_confirmation(
            request, proposal, f"Remove the quote “{citation.quote}”?", anchor
        )
    with transaction.atomic():
        citation.delete()
    return saved_response(
        request, proposal, anchor, partial, item=item, oob=("sources",), retarget=f"#{anchor}"
    )


@editable_view
def event_create(request: HttpRequest, slug: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)

    return create(
        request,
        EventForm,
        proposal=proposal,
        title="Add an event to the timeline",
        block="add-event",
        wrapper="div",
        submit="Add event",
        form_kwargs={"proposal": proposal},
        on_saved=lambda event: saved_response(
            request, proposal, "timeline", "timeline", retarget="#timeline"
        ),
    )


@editable_view
def event_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    proposal = get_object_or_404(Proposal, slug=slug)
    event = get_object_or_404(Event, proposals=proposal, pk=pk)
    if request.method == "GET":
        return render_confirmation(
            request, proposal, f"Remove “{event.title}” from the timeline?", "timeline"
        )
    with transaction.atomic():
        if event.proposals.count() > 1:
            event.proposals.remove(proposal)  # the event stays on the other proposals' timelines
        else:
            event.delete()
    return saved_response(request, proposal, "timeline", "timeline", retarget="#timeline")


def render_confirmation(request: HttpRequest, proposal: Proposal, title: str, block: str):
    return form_response(
        request,
        forms.Form(),
        proposal=proposal,
        title=title,
        block=block,
        wrapper="div",
        submit="Remove",
        danger=True,
    )
