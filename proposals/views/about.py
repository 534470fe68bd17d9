"""The about page: what the site tracks, every code value defined, the source policy, how to cite.

One SQL query (the layer kinds), whatever the number of kinds.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import glossary
from ..models import LayerKind


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "proposals/about.html",
        {
            "layer_kinds": LayerKind.objects.all(),
            "glossary": glossary.terms(),
            # The suggested citations show this site's own addresses and today's date.
            "page_url": request.build_absolute_uri(reverse("about")),
            "data_url": request.build_absolute_uri(reverse("export-proposals")),
            "today": timezone.localdate(),
        },
    )
