"""CSV exports of the proposals a filtered view shows, streamed in constant memory.

The files are part of the public contract (CONTRACT.md): the columns come first in this order, lists
inside a cell are joined with "; ", dates are ISO 8601 and timestamps ISO 8601 UTC. They open
cleanly in spreadsheets: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting, and no
text cell can run as a formula (OWASP: a leading apostrophe before = + - @ tab CR LF).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from .models import (
    Actor,
    Commitment,
    Layer,
    Position,
    Precondition,
    PreconditionStatus,
    Proposal,
    StatusChange,
    split_lines,
)

BOM = "\ufeff"
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CHUNK = 1000


class Echo:
    """A file-like object whose write() hands back what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def safe_text(value: str) -> str:
    """A text cell no spreadsheet runs: formula-like text gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def joined(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


@dataclass(frozen=True)
class Kind:
    name: str
    columns: list[str]
    rows: Callable[[QuerySet, str], Iterator[list]]
    # The records the file holds, for the proposals a view shows (a progress display counts them).
    records: Callable[[QuerySet], QuerySet] | None = None


def proposal_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    # Like layer_rows: plain tuples in the view's own order, and per chunk of rows one query each
    # for the proponents, the layer kinds and the precondition counts.
    rows = proposals.values_list(
        "pk", "slug", "title", "status", "summary", "first_reported", "updated_at"
    )
    before, after = reverse("proposal-detail", args=["SLUG"]).split("SLUG")
    for chunk in in_chunks(rows.iterator(chunk_size=CHUNK)):
        ids = [row[0] for row in chunk]
        proponents: dict[int, list[str]] = {}
        for proposal_id, name in (
            Proposal.proponents.through.objects.filter(proposal_id__in=ids)
            .order_by("proposal_id", "actor__name", "actor_id")
            .values_list("proposal_id", "actor__name")
        ):
            proponents.setdefault(proposal_id, []).append(name)
        kinds: dict[int, list[str]] = {}
        for proposal_id, kind in (
            Layer.objects.filter(proposal_id__in=ids)
            .order_by("proposal_id", "kind__display_order", "kind__name")
            .values_list("proposal_id", "kind__slug")
        ):
            kinds.setdefault(proposal_id, []).append(kind)
        counts = {
            proposal_id: (met, total)
            for proposal_id, met, total in Precondition.objects.filter(proposal_id__in=ids)
            .order_by()
            .values("proposal_id")
            .annotate(met=Count("pk", filter=Q(status=PreconditionStatus.MET)), total=Count("pk"))
            .values_list("proposal_id", "met", "total")
        }
        for pk, slug, title, status, summary, first_reported, updated_at in chunk:
            met, total = counts.get(pk, (0, 0))
            yield [
                slug,
                title,
                status,
                joined(proponents.get(pk, [])),
                summary,
                first_reported,
                joined(kinds.get(pk, [])),
                met,
                total,
                updated_at,
                f"{base_url}{before}{slug}{after}",
            ]


def in_chunks(rows: Iterator, size: int = CHUNK) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def layer_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    # Plain tuples rather than model instances, and contributors fetched per chunk of rows:
    # the export streams about five times faster so.
    layers = (
        Layer.objects.filter(proposal__in=proposals.order_by().values("pk"))
        .order_by("proposal__slug", "kind__display_order", "kind__slug")
        .values_list(
            "pk", "proposal__slug", "kind__slug", "description", "area", "assets", "updated_at"
        )
    )
    for chunk in in_chunks(layers.iterator(chunk_size=CHUNK)):
        contributors: dict[int, list[str]] = {}
        for layer_id, name in (
            Layer.contributors.through.objects.filter(layer_id__in=[row[0] for row in chunk])
            .order_by("layer_id", "actor__name")
            .values_list("layer_id", "actor__name")
        ):
            contributors.setdefault(layer_id, []).append(name)
        for pk, proposal_slug, kind, description, area, assets, updated_at in chunk:
            yield [
                proposal_slug,
                kind,
                description,
                area,
                joined(split_lines(assets)),
                joined(contributors.get(pk, [])),
                updated_at,
            ]


def precondition_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    preconditions = (
        Precondition.objects.filter(proposal__in=proposals.order_by().values("pk"))
        .select_related("proposal", "responsible", "layer__kind")
        .only(
            "slug",
            "description",
            "status",
            "updated_at",
            "proposal__slug",
            "responsible__name",
            "layer__kind__slug",
        )
        .order_by("proposal__slug", "display_order", "pk")
    )
    for precondition in preconditions.iterator(chunk_size=CHUNK):
        yield [
            precondition.proposal.slug,
            precondition.slug,
            precondition.description,
            precondition.status,
            precondition.responsible.name if precondition.responsible else "",
            precondition.layer.kind.slug if precondition.layer else "",
            precondition.updated_at,
        ]


def of_proposals(model, path: str = "proposal") -> Callable[[QuerySet], QuerySet]:
    return lambda proposals: model.objects.filter(
        **{f"{path}__in": proposals.order_by().values("pk")}
    )


def position_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    yield from (
        of_proposals(Position)(proposals)
        .order_by("proposal__slug", "actor__slug", "stated_on", "pk")
        .values_list(
            "proposal__slug", "actor__slug", "stance", "stated_on", "statement", "updated_at"
        )
        .iterator(chunk_size=CHUNK)
    )


def commitment_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    yield from (
        of_proposals(Commitment, "layer__proposal")(proposals)
        .order_by(
            "layer__proposal__slug", "actor__slug", "layer__kind__display_order", "stated_on", "pk"
        )
        .values_list(
            "layer__proposal__slug",
            "actor__slug",
            "layer__kind__slug",
            "phase",
            "quantity",
            "unit",
            "stated_on",
            "note",
            "updated_at",
        )
        .iterator(chunk_size=CHUNK)
    )


def status_change_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    yield from (
        of_proposals(StatusChange)(proposals)
        .order_by(
            "proposal__slug",
            "precondition__display_order",
            "precondition__slug",
            "changed_on",
            "pk",
        )
        .values_list(
            "proposal__slug", "precondition__slug", "status", "changed_on", "note", "updated_at"
        )
        .iterator(chunk_size=CHUNK)
    )


def actor_rows(proposals: QuerySet, base_url: str) -> Iterator[list]:
    """Every actor, whatever the filters: a file to import before positions naming new ones."""
    yield from (
        Actor.objects.order_by("slug")
        .values_list("slug", "name", "kind", "description", "updated_at")
        .iterator(chunk_size=CHUNK)
    )


KINDS = {
    "proposals": Kind(
        "proposals",
        [
            "slug",
            "title",
            "status",
            "proponents",
            "summary",
            "first_reported",
            "layer_kinds",
            "preconditions_met",
            "preconditions_total",
            "updated_at",
            "url",
        ],
        proposal_rows,
    ),
    "layers": Kind(
        "layers",
        ["proposal_slug", "kind", "description", "area", "assets", "contributors", "updated_at"],
        layer_rows,
    ),
    "preconditions": Kind(
        "preconditions",
        [
            "proposal_slug",
            "slug",
            "description",
            "status",
            "responsible",
            "layer_kind",
            "updated_at",
        ],
        precondition_rows,
    ),
    "positions": Kind(
        "positions",
        ["proposal_slug", "actor", "stance", "stated_on", "statement", "updated_at"],
        position_rows,
        of_proposals(Position),
    ),
    "commitments": Kind(
        "commitments",
        [
            "proposal_slug",
            "actor",
            "layer_kind",
            "phase",
            "quantity",
            "unit",
            "stated_on",
            "note",
            "updated_at",
        ],
        commitment_rows,
        of_proposals(Commitment, "layer__proposal"),
    ),
    "status_changes": Kind(
        "status_changes",
        ["proposal_slug", "precondition_slug", "status", "changed_on", "note", "updated_at"],
        status_change_rows,
        of_proposals(StatusChange),
    ),
    "actors": Kind(
        "actors",
        ["slug", "name", "kind", "description", "updated_at"],
        actor_rows,
        lambda proposals: Actor.objects.all(),
    ),
}

# What the site serves at /export/<file>.csv; the command line calls status-changes
# "status_changes" (CONTRACT).
FILES = {kind.replace("_", "-"): kind for kind in KINDS}
# The kinds an import takes, in the order a set of files is best imported.
IMPORTABLE = [
    "actors",
    "proposals",
    "layers",
    "preconditions",
    "positions",
    "commitments",
    "status_changes",
]


def csv_lines(kind: Kind, proposals: QuerySet, base_url: str) -> Iterator[str]:
    """The file, a line at a time: the byte-order mark and header first."""
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow(kind.columns)
    for row in kind.rows(proposals, base_url):
        yield writer.writerow([cell(value) for value in row])


def in_blocks(lines: Iterator[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """The lines as UTF-8 blocks of about `size` bytes: one write per block, not per line."""
    block: list[str] = []
    length = 0
    for line in lines:
        block.append(line)
        length += len(line)
        if length >= size:
            yield "".join(block).encode()
            block, length = [], 0
    if block:
        yield "".join(block).encode()


def count_rows(kind: Kind, proposals: QuerySet) -> int:
    """How many rows an export will have (for a progress display)."""
    if kind.name == "proposals":
        return proposals.count()
    if kind.records is not None:
        return kind.records(proposals).count()
    model = Layer if kind.name == "layers" else Precondition
    return model.objects.filter(proposal__in=proposals.order_by().values("pk")).count()


def filename(kind: Kind, today: dt.date | None = None) -> str:
    name = kind.name.replace("_", "-")
    return f"ceasefire-monitor-{name}-{(today or dt.date.today()).isoformat()}.csv"
