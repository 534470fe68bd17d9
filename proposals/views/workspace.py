"""The analysts' workspace: the queues of what waits for them, and bulk actions on proposals."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import bulk, workspace
from ..decorators import analyst_required
from ..forms import BulkForm
from ..history import user_label
from ..models import Source

SUMMARY = "workspace-bulk-summary"


def queues(request: HttpRequest, since) -> dict:
    """Everything the workspace shows, each queue at the page its parameter asks for."""
    get = request.GET
    counts = workspace.counts(request.user, since)
    request.workspace_waiting = sum(counts.values())  # the header's figure (context_processors)
    per_page = workspace.PER_PAGE
    drafts = workspace.Counted(workspace.drafts(), per_page, counts["drafts"]).get_page(
        get.get("drafts_page")
    )
    workspace.with_creators(drafts)
    unsourced, groups = workspace.unsourced_page(get.get("unsourced_page"))
    stale = workspace.Counted(workspace.stale(), per_page, counts["stale"]).get_page(
        get.get("stale_page")
    )
    for proposal in stale:
        proposal.reviewer = user_label(proposal.reviewed_by)
    changed = Paginator(workspace.changed_by_others(request.user, since), workspace.PER_PAGE)
    imports = list(workspace.pending_imports(request.user)[: workspace.PER_PAGE])
    return {
        "drafts": drafts,
        "unsourced": unsourced,
        "unsourced_groups": groups,
        "stale": stale,
        "changed": changed.get_page(get.get("changed_page")),
        "imports": imports,
        "counts": counts,
        "total": sum(counts.values()),
        "since": since,
        "stale_after_days": workspace.settings.STALE_AFTER_DAYS,
        "sources": Source.objects.order_by("publisher", "title").only("pk", "publisher", "title"),
        "today": timezone.localdate(),
    }


@require_GET
@analyst_required
def workspace_home(request: HttpRequest) -> HttpResponse:
    visit = workspace.visit(request.user)
    context = queues(request, visit.previous_at) | {
        "form": BulkForm(),
        "summary": request.session.pop(SUMMARY, None),
    }
    return render(request, "proposals/workspace.html", context)


@require_POST
@analyst_required
def workspace_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked proposals; answer with the queues as they are now and a
    summary, row by row (HTMX), or redirect back to the workspace with it (no JavaScript)."""
    data = request.POST
    for action, name in [("publish", "publish_one"), ("review", "review_one")]:
        if pk := data.get(name):  # a row's own button: that row alone
            data = data.copy()
            data.setlist("proposals", [pk])
            data["action"] = action
    form = BulkForm(data)
    visit = workspace.visit(request.user)
    if not form.is_valid():
        context = queues(request, visit.previous_at) | {"form": form, "refused": True}
        template = "proposals/workspace.html#queues" if request.htmx else "proposals/workspace.html"
        return render(request, template, context, status=422)
    data = form.cleaned_data
    choice = None
    if data["action"] == "status":
        choice = bulk.StatusChoice(
            status=data["status"],
            day=data["changed_on"],
            note=data.get("note", ""),
            source=data["source"],
            kind=data["citation_kind"],
            text=data["citation_text"],
        )
    outcomes = bulk.apply(data["action"], request.user, data["rows"], choice)
    summary = summarise(dict(BulkForm.ACTIONS)[data["action"]], outcomes)
    if not request.htmx:  # post/redirect/get: the summary is shown once, on the next page
        request.session[SUMMARY] = summary
        return redirect(reverse("workspace") + "#bulk-summary")
    context = queues(request, visit.previous_at) | {"form": BulkForm(), "summary": summary}
    return render(request, "proposals/workspace.html#queues", context)


def summarise(action: str, outcomes: list[bulk.Outcome]) -> dict:
    """What happened, row by row, as plain data (it may wait in the session for the next page)."""
    done = sum(o.done for o in outcomes)
    text = f"{action}: done for {done} of {len(outcomes)} proposal{pluralize(len(outcomes))}"
    if refused := len(outcomes) - done:
        text += f"; {refused} left untouched, as {'it was' if refused == 1 else 'they were'} "
        text += "changed or deleted meanwhile"
    return {
        "text": text + ".",
        "all_done": done == len(outcomes),
        "outcomes": [
            {
                "title": o.title,
                "done": o.done,
                "message": o.message,
                "url": o.url,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in o.changes],
            }
            for o in outcomes
        ],
    }
