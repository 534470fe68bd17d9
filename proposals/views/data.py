"""The dataset releases: /data/ lists them, /data/<file> downloads one.

The list comes from the releases folder, each release's metadata and SHA-256 from the cache
(proposals.releases): no SQL query. With a release, the published changes since it follow, from
the change log (a fixed number of queries, then the cache until the data changes).
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_safe

from .. import releases
from ..changes import cached_changes

CHANGES_SHOWN = 50


@require_GET
def data_home(request: HttpRequest) -> HttpResponse:
    found = releases.listed()
    latest = found[0] if found else None
    changes_since = None
    if latest is not None:
        # What a reader of the latest release does not have yet: once per state of the data.
        changes_since = cached_changes(limit=CHANGES_SHOWN, since=latest.created)
    return render(
        request,
        "proposals/data.html",
        {
            "releases": found,
            "latest_release": latest,
            "changes_since": changes_since,
            "more_changes": (
                f"{reverse('api-changes')}?{urlencode({'since': latest.created.isoformat()})}"
                if latest is not None
                else ""
            ),
            "license": settings.DATA_LICENSE,
            "license_name": releases.licence_name(),
        },
    )


@require_safe  # HEAD too, for tools that check a file's size before fetching it
def release_download(request: HttpRequest, filename: str) -> FileResponse:
    """Only a listed release's file is served: the name is looked up, never joined to a path."""
    release = releases.find(filename)
    if release is None:
        raise Http404("No release has this name.")
    try:
        file = release.path.open("rb")
    except FileNotFoundError:  # deleted since it was listed
        raise Http404("No release has this name.") from None
    return FileResponse(
        file, as_attachment=True, filename=release.filename, content_type="application/zip"
    )
