"""The public change history of a proposal."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..history import proposal_history as history_entries
from ..models import is_analyst
from .browse import get_visible_proposal

ENTRIES_PER_PAGE = 50


@require_GET
def proposal_history(request: HttpRequest, slug: str) -> HttpResponse:
    """The history, newest first; ?change=<entry id> (the feeds' and the API's links) opens the
    page that holds that entry, wherever later changes have pushed it."""
    proposal = get_visible_proposal(request, slug)
    entries = history_entries(proposal, public=not is_analyst(request.user))
    number = request.GET.get("page")
    if key := request.GET.get("change"):
        index = next((i for i, entry in enumerate(entries) if entry.key == key), None)
        if index is not None:
            number = index // ENTRIES_PER_PAGE + 1
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(number)
    return render(request, "proposals/history.html", {"proposal": proposal, "page_obj": page})
