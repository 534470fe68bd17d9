"""Proposals side by side: /compare/?p=<slug>&p=<slug> (two to four)."""

import datetime as dt
import re
from urllib.parse import urlencode

from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_GET

from .. import as_of
from ..models import LayerKind, is_analyst
from .detail import PROPOSALS, detail_contexts

MIN_PROPOSALS, MAX_PROPOSALS = 2, 4
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    # Control characters (a NUL, say) can be in no address, nor shown back in a page.
    asked = (CONTROL.sub("", slug) for slug in request.GET.getlist("p"))
    slugs = list(dict.fromkeys(slug for slug in asked if slug.strip()))
    day, problem = as_of.parse(request.GET)
    analyst = is_analyst(request.user)
    # Only what could be an address is looked up; anything else (a NUL byte, say) is not found.
    asked = [slug for slug in slugs[:MAX_PROPOSALS] if slug_re.match(slug)]
    end = as_of.day_end(day) if day else None
    found = {p.slug: p for p in PROPOSALS(asked, not analyst, day, end)}
    problems = [problem] if problem else []
    keep = [("p", slug) for slug in slugs]
    day_context = as_of.on_page(day) | {"keep_params": keep, "keep_query": urlencode(keep)}
    if unknown := [slug for slug in slugs[:MAX_PROPOSALS] if slug not in found]:
        problems.append(
            "No proposal at "
            + ", ".join(f"/proposals/{slug}/" for slug in unknown)
            + ("; left out." if day is None else f" reported by {day:%-d %B %Y}; left out.")
        )
    if len(slugs) > MAX_PROPOSALS:
        problems.append(
            f"Up to {MAX_PROPOSALS} proposals fit side by side; the first four are shown."
        )
    proposals = [found[slug] for slug in slugs[:MAX_PROPOSALS] if slug in found]
    if len(proposals) < MIN_PROPOSALS:
        problems.append("Choose at least two proposals to compare, from the list of proposals.")
        return render(
            request,
            "proposals/compare.html",
            {"problems": problems, "columns": []} | day_context,
            status=400,
        )

    columns = detail_contexts(proposals, drafts=analyst, day=day)
    kinds = list(LayerKind.objects.all())
    rows = [
        row("Status", [c["proposal"].get_status_display() for c in columns]),
        row("First in our sources", [long_date(c["proposal"].first_reported) for c in columns]),
        row(
            "Proposed or supported by",
            [", ".join(actor.name for actor in c["backers"]) for c in columns],
        ),
    ]
    layer_rows = []
    for kind in kinds:
        cells = []
        for c in columns:
            layer = next((layer for layer in c["layers"] if layer.kind_id == kind.pk), None)
            cells.append(layer)
        layer_rows.append(
            {"kind": kind, "cells": cells, "differs": len({bool(x) for x in cells}) > 1}
        )
    precondition_rows = [
        {
            "column": c,
            "met": c["preconditions_met"],
            "total": len(c["preconditions"]),
        }
        for c in columns
    ]
    return render(
        request,
        "proposals/compare.html",
        {
            "problems": problems,
            "columns": columns,
            "rows": rows,
            "layer_rows": layer_rows,
            "precondition_rows": precondition_rows,
            "preconditions_differ": len({(p["met"], p["total"]) for p in precondition_rows}) > 1,
            "actors_differ": len({frozenset(a["actor"].pk for a in c["actors"]) for c in columns})
            > 1,
            "sources_differ": len(
                {frozenset(s["source"].pk for s in c["sources"]) for c in columns}
            )
            > 1,
        }
        | day_context,
        status=400 if problems else 200,
    )


def long_date(day: dt.date | None) -> str:
    return format_date(day, "j F Y") if day else ""


def row(label: str, values: list) -> dict:
    return {"label": label, "values": values, "differs": len({str(v) for v in values}) > 1}
