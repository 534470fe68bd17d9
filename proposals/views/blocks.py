"""Editable blocks of the proposal page: the form takes the block's place, then the block comes back.

Each edit URL serves a full page without JavaScript and, to htmx, just the form, which replaces the
block it edits. A valid save answers htmx with the updated block (and, out of band, the parts of the
page that depend on it) and everyone else with a redirect; invalid input comes back with 422, a save
based on a stale version with 409 and what changed meanwhile. Every write goes through
proposals.writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, models
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from .. import writes
from ..models import Layer, Precondition, Proposal
from .detail import detail_context


@dataclass(frozen=True)
class Block:
    """One editable block: its form, its words, and what the page shows once it is saved.

    `title` and `anchor` may name the record they edit, as in "Edit the {obj.kind.name} layer".
    """

    form: type[BaseForm]
    title: str | Callable[[models.Model | None], str]
    anchor: str = "{obj.anchor}"  # the block's id on the page
    shows: tuple[str, ...] = ()  # partials of detail.html that take the form's place after a save
    oob: tuple[str, ...] = ()  # partials that update themselves elsewhere on the page
    back_to: str = "{obj.anchor}"  # where the page goes after the change
    wrapper: str = "li"
    submit: str = "Save"
    danger: bool = False
    intro: str = ""

    def title_of(self, obj: models.Model | None) -> str:
        return self.title(obj) if callable(self.title) else self.title.format(obj=obj)

    def anchor_of(self, obj: models.Model | None) -> str:
        return self.anchor.format(obj=obj)


CREATED_MEANWHILE = "Someone created the same record a moment ago: check the page, then try again."


def form_page(
    request: HttpRequest,
    block: Block,
    proposal: Proposal | None,
    form: BaseForm,
    subject: models.Model | None = None,
    *,
    status: int = 200,
    conflict: writes.Conflict | None = None,
) -> HttpResponse:
    """The form, as a page of its own or, for htmx, as the block it replaces on the page."""
    anchor = block.anchor_of(subject)
    detail_url = proposal.get_absolute_url() if proposal else reverse("proposal-list")
    form.auto_id = f"f-{anchor}-%s"  # unique ids when several forms are open on one page
    first_field = next(iter(form.visible_fields()), None)
    if first_field is not None and not form.errors and conflict is None:
        first_field.field.widget.attrs["autofocus"] = True  # htmx focuses it after the swap
    context = {
        "fragment": bool(request.htmx),
        "form": form,
        "proposal": proposal,
        "title": block.title_of(subject),
        "action": request.get_full_path(),
        "anchor": anchor,
        "wrapper": block.wrapper if request.htmx else "div",  # a list item only in its list
        "submit": block.submit,
        "danger": block.danger,
        "intro": block.intro,
        "conflict": conflict,
        "cancel_url": f"{detail_url}#{anchor}" if proposal else detail_url,
        "detail_url": detail_url,
    }
    template = "proposals/edit.html#form" if request.htmx else "proposals/edit.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def gone(request: HttpRequest, proposal: Proposal, what: str) -> HttpResponse:
    """The record was deleted after the analyst opened its form: nothing is left to save."""
    response = render(
        request,
        "proposals/edit.html#gone" if request.htmx else "proposals/edit.html",
        {"proposal": proposal, "gone": what, "detail_url": proposal.get_absolute_url()},
        status=409,
    )
    response["Vary"] = "HX-Request"
    return response


def updated(
    request: HttpRequest,
    proposal: Proposal,
    anchor: str,
    *partials: str,
    item: models.Model | None = None,
    oob: tuple[str, ...] = (),
    retarget: str | None = None,
) -> HttpResponse:
    """After a change: the updated blocks for htmx (post/redirect/get for everyone else).

    `partials` replace the form that was sent (or `retarget`); `oob` ones update themselves
    elsewhere on the page, as do the table of contents and the actors after every change. `item`
    is the record the partials show, taken from the page's context so that it carries everything
    the page shows with it.
    """
    if not request.htmx:
        return redirect(f"{proposal.get_absolute_url()}#{anchor}")
    context = detail_context(proposal) | {"just_saved": True}
    if item is not None:
        name = type(item)._meta.model_name
        context[name] = next(obj for obj in context[f"{name}s"] if obj.pk == item.pk)
    html = [
        render_to_string(f"proposals/detail.html#{name}", context, request) for name in partials
    ]
    oob_context = context | {"oob": True, "just_saved": False}
    for name in (*oob, "toc", "actors"):
        html.append(render_to_string(f"proposals/detail.html#{name}", oob_context, request))
    response = HttpResponse("".join(html))
    response["Vary"] = "HX-Request"
    if retarget:
        response["HX-Retarget"] = retarget
        response["HX-Reswap"] = "outerHTML"
    return response


def handle(
    request: HttpRequest,
    block: Block,
    proposal: Proposal | None,
    *,
    write: Callable[[BaseForm], object],
    done: Callable[[object], HttpResponse],
    subject: models.Model | None = None,
    form_kwargs: dict | None = None,
) -> HttpResponse:
    """GET: the form. POST: check it, `write` it (through proposals.writes), answer with `done`."""
    form_kwargs = form_kwargs or {}
    if request.method == "GET":
        return form_page(request, block, proposal, block.form(**form_kwargs), subject)
    form = block.form(request.POST, **form_kwargs)
    if not form.is_valid():
        return form_page(request, block, proposal, form, subject, status=422)
    try:
        result = write(form)
    except writes.Conflict as conflict:
        if conflict.current is None:
            return gone(request, proposal, block.title_of(subject))
        # The analyst's input again, now based on the current version, to re-apply deliberately.
        data = request.POST.copy()
        data["version"] = str(conflict.current.version)
        again = block.form(data, **(form_kwargs | {"instance": conflict.current}))
        again.is_valid()
        return form_page(request, block, proposal, again, subject, status=409, conflict=conflict)
    except IntegrityError:
        # Two analysts created the same thing at once; the database kept the first.
        form.add_error(None, CREATED_MEANWHILE)
        return form_page(request, block, proposal, form, subject, status=409)
    return done(result)


def after(request: HttpRequest, block: Block, proposal: Proposal) -> Callable:
    """What the page shows once `block` is saved: its partials, showing the saved record."""

    def done(saved: models.Model | None) -> HttpResponse:
        anchor = block.back_to.format(obj=saved)
        item = saved if isinstance(saved, (Layer, Precondition)) else None
        return updated(request, proposal, anchor, *block.shows, item=item, oob=block.oob)

    return done


def create(
    request: HttpRequest,
    block: Block,
    proposal: Proposal,
    form_kwargs: dict | None = None,
    *,
    subject: models.Model | None = None,
    done: Callable[[object], HttpResponse] | None = None,
) -> HttpResponse:
    """A new record of `proposal` (`subject`: what the block's title and anchor name)."""
    return handle(
        request,
        block,
        proposal,
        write=lambda form: writes.create(
            request.user, proposal.pk, form.save, writes.concerned(form.instance)
        ),
        done=done or after(request, block, proposal),
        subject=subject,
        form_kwargs=form_kwargs,
    )


def edit(
    request: HttpRequest,
    block: Block,
    proposal: Proposal,
    obj: models.Model,
    form_kwargs: dict | None = None,
    *,
    done: Callable[[object], HttpResponse] | None = None,
) -> HttpResponse:
    """A change to `obj`, refused if someone saved it after the analyst opened the form."""
    return handle(
        request,
        block,
        proposal,
        write=lambda form: writes.save(obj, form.cleaned_data["version"], request.user, form.save),
        done=done or after(request, block, proposal),
        subject=obj,
        form_kwargs={"instance": obj, **(form_kwargs or {})},
    )


def delete(
    request: HttpRequest,
    block: Block,
    proposal: Proposal,
    obj: models.Model,
    *,
    done: Callable[[object], HttpResponse] | None = None,
):
    """The deletion of the version of `obj` the analyst confirmed."""
    return handle(
        request,
        block,
        proposal,
        write=lambda form: writes.delete(obj, form.cleaned_data["version"], request.user),
        done=done or after(request, block, proposal),
        subject=obj,
        form_kwargs={"instance": obj},
    )
