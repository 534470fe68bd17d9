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
    proposal = get_visible_proposal(request, slug)
    entries = history_entries(proposal, public=not is_analyst(request.user))
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "proposals/history.html", {"proposal": proposal, "page_obj": page})
