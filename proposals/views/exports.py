"""CSV downloads of what a filtered view of /proposals/ shows: /export/<kind>.csv."""

from itertools import chain

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ..exports import KINDS, cached_csv, filename
from ..filters import filter_proposals
from ..models import Proposal


@require_GET
def export_csv(request: HttpRequest, kind: str) -> HttpResponse:
    """Stream the CSV, in blocks cached under the data version; drafts are never exported,
    whoever asks."""
    filterset, problems = filter_proposals(request.GET, Proposal.objects.published())
    if problems:
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain")
    export = KINDS[kind]
    blocks = cached_csv(export, filterset, settings.SITE_URL)
    # The first block is made here, before the status line goes out: if the database cannot be
    # reached the reader gets the 503 page, not a 200 that breaks off. It is one block of at most
    # about a megabyte, so memory stays constant.
    first = next(blocks, b"")
    response = StreamingHttpResponse(chain([first], blocks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(export)}"'
    return response
