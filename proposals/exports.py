"""CSV exports of the proposals a filtered view shows, streamed in constant memory.

The files are part of the public contract (CONTRACT.md): the columns come first in this order, lists
inside a cell are joined with "; ", dates are ISO 8601 and timestamps ISO 8601 UTC. They open
cleanly in spreadsheets: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting, and no
text cell can run as a formula (OWASP: a leading apostrophe before = + - @ tab CR LF).

Each kind is one SQL statement that does the work in the database (joins, the "; " lists, the
apostrophes, the timestamps), read through a server-side cursor on PostgreSQL; Python only writes
the rows with csv.writer. /export/ cuts the file into blocks of BLOCK_ROWS rows and caches each
under the data version (proposals.cached), with the sort key of its last row: a reader finds the
blocks in the cache, or continues from the last one it found with the rows after that key.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse

from . import cached
from .filters import ProposalFilter, shareable_query
from .models import (
    Actor,
    Commitment,
    DataVersion,
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
# A cached block: this many rows, or fewer once it holds BLOCK_BYTES (a cache entry stays small).
BLOCK_ROWS = 2000
BLOCK_BYTES = 1024 * 1024
# Rows written to CSV at a time within a block.
BATCH = 250


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


# The cells in SQL: what `cell` does, for one database or the other -----------------------------
# The statements are put together from these fragments and the ORM's own SQL; every value in them
# is a parameter (hence the noqa: S608 below).


def postgres() -> bool:
    return connection.vendor == "postgresql"


def text(column: str) -> str:
    """A text cell, as `safe_text` makes it."""
    char = "chr" if postgres() else "char"
    starts = ", ".join(
        f"'{start}'" if start.isprintable() else f"{char}({ord(start)})" for start in FORMULA_STARTS
    )
    first = f"left({column}, 1)" if postgres() else f"substr({column}, 1, 1)"
    return f"CASE WHEN {first} IN ({starts}) THEN '''' || {column} ELSE {column} END"


def stamp(column: str) -> str:
    """A timestamp in UTC to the second (YYYY-MM-DDTHH:MM:SSZ), as `cell` writes a datetime."""
    if postgres():
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""
    # Django keeps SQLite's timestamps in UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return f"substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z'"


def day(column: str) -> str:
    return f"to_char({column}, 'YYYY-MM-DD')" if postgres() else column  # SQLite: ISO text


@dataclass(frozen=True)
class Listed:
    """A cell that lists one value of related rows, joined with "; " in a given order."""

    cell: str
    join: str = ""  # PostgreSQL's: a join the statement adds to its FROM
    params: list = field(default_factory=list)  # the join's


def listed(
    name: str, item: str, rows: str, owner: str, order: str, outer: str, scope: tuple[str, list]
) -> Listed:
    """`item` of the `rows` whose `owner` is `outer`, in `order`. SQLite runs a subquery for each
    row of the file; PostgreSQL joins them once, grouped, for the owners in `scope`."""
    separator = f"'{LIST_SEPARATOR}'"
    if postgres():
        where, params = scope
        join = (
            f"LEFT JOIN (SELECT {owner} AS owner_id, string_agg({item}, {separator} ORDER BY "  # noqa: S608
            f"{order}) AS items FROM {rows} WHERE {where} GROUP BY {owner}) {name} "
            f"ON {name}.owner_id = {outer}"
        )
        return Listed(text(f"{name}.items"), join, params)
    # group_concat takes the rows in the order of the subquery it reads.
    ordered = f"SELECT {item} AS item FROM {rows} WHERE {owner} = {outer} ORDER BY {order}"  # noqa: S608
    return Listed(
        f"(SELECT {text('items')} FROM "  # noqa: S608
        f"(SELECT group_concat(item, {separator}) AS items FROM ({ordered})))"
    )


def ids(proposals: QuerySet) -> tuple[str, list]:
    """The proposals' ids as a subquery."""
    sql, params = proposals.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


@dataclass(frozen=True)
class Select:
    """One kind's statement: its cells, in the file's own order, which is unique."""

    # The sort key, in Django's notation: "-column" is descending; NULLs sort where the database
    # puts them by default, as the ORM left them.
    key: list[str]
    cells: list[str]
    source: str  # FROM …
    where: str
    params: list  # of `cells`, `source` and `where`, in that order
    # What Python still does to a row of cells, if anything.
    finish: Callable[[tuple], tuple] | None = None

    def statement(self, after: tuple | None) -> tuple[str, list]:
        """The SQL of the rows after the row whose sort key is `after` (None: all of them)."""
        columns = [term.removeprefix("-") for term in self.key]
        order = ", ".join(
            f"{column} DESC" if term.startswith("-") else column
            for term, column in zip(self.key, columns, strict=True)
        )
        later, params = self.rows_after(after)
        sql = (
            f"SELECT {', '.join(columns)}, {', '.join(self.cells)} FROM {self.source} "  # noqa: S608
            f"WHERE ({self.where}) AND {later} ORDER BY {order}"
        )
        return sql, self.params + params

    def rows_after(self, after: tuple | None) -> tuple[str, list]:
        """Keyset pagination: the rows that sort after `after`. NULLs sort above every value on
        PostgreSQL and below on SQLite."""
        if after is None:
            return "1 = 1", []
        alternatives, params, equal, equal_params = [], [], [], []
        for term, value in zip(self.key, after, strict=True):
            column, descending = term.removeprefix("-"), term.startswith("-")
            nulls_follow = postgres() != descending
            if value is None:
                later, later_params = (None, []) if nulls_follow else (f"{column} IS NOT NULL", [])
                same, same_params = f"{column} IS NULL", []
            else:
                later = f"{column} {'<' if descending else '>'} %s"
                later += f" OR {column} IS NULL" if nulls_follow else ""
                later_params = [value]
                same, same_params = f"{column} = %s", [value]
            if later is not None:
                alternatives.append(" AND ".join([*equal, f"({later})"]))
                params += equal_params + later_params
            equal.append(same)
            equal_params += same_params
        return f"({' OR '.join(alternatives) or '1 = 0'})", params

    def cells_of(self) -> Callable[[tuple], tuple]:
        """A row of the statement as the file's cells."""
        strip = itemgetter(slice(len(self.key), None))
        finish = self.finish
        return strip if finish is None else lambda row: finish(strip(row))


@dataclass(frozen=True)
class Kind:
    name: str
    columns: list[str]
    select: Callable[[QuerySet, str], Select]
    # The records the file holds, for the proposals a view shows (a progress display counts them).
    records: Callable[[QuerySet], QuerySet] | None = None
    # The file's rows as cells, for csv_lines (the command and releases): the select's unless given.
    rows: Callable[[QuerySet, str], Iterator[tuple]] | None = None

    def __post_init__(self) -> None:
        if self.rows is None:
            object.__setattr__(self, "rows", self.rows_of_select)

    def rows_of_select(self, proposals: QuerySet, base_url: str) -> Iterator[tuple]:
        select = self.select(proposals, base_url)
        cells = select.cells_of()
        for batch in fetch(select):
            yield from map(cells, batch)


# The kinds ----------------------------------------------------------------------------------


def key_column(proposals: QuerySet, name: str) -> F | Cast:
    """A column of the proposals' sort key. A float (a search's rank: a real on PostgreSQL) is
    read as double precision, which comes back exactly from Python in the next block's WHERE."""
    if isinstance(proposals.query.clone().resolve_ref(name).output_field, FloatField):
        return Cast(name, FloatField())
    return F(name)


def proposal_select(proposals: QuerySet, base_url: str) -> Select:
    # The view's own order (the list's sort, or a search's relevance), computed by the ORM in a
    # subquery whose columns k0, k1, … are the sort key; the id last makes it unique.
    order = list(proposals.query.order_by or Proposal._meta.ordering)
    if not {"pk", "-pk", "id", "-id"} & set(order):
        order.append("pk")
    keys = {f"k{n}": key_column(proposals, term.removeprefix("-")) for n, term in enumerate(order)}
    base, base_params = proposals.order_by().values(pid=F("pk"), **keys).query.sql_with_params()
    of, of_params = ids(proposals)
    proponents = listed(
        "proponents",
        "a.name",
        "proposals_proposal_proponents pp JOIN proposals_actor a ON a.id = pp.actor_id",
        owner="pp.proposal_id",
        order="a.name, a.id",
        outer="p.id",
        scope=(f"pp.proposal_id IN ({of})", of_params),
    )
    layer_kinds = listed(
        "layer_kinds",
        "k.slug",
        "proposals_layer l JOIN proposals_layerkind k ON k.id = l.kind_id",
        owner="l.proposal_id",
        order="k.display_order, k.name",
        outer="p.id",
        scope=(f"l.proposal_id IN ({of})", of_params),
    )
    before, after = reverse("proposal-detail", args=["SLUG"]).split("SLUG")
    return Select(
        key=[f"{'-' if term.startswith('-') else ''}b.k{n}" for n, term in enumerate(order)],
        cells=[
            text("p.slug"),
            text("p.title"),
            text("p.status"),
            proponents.cell,
            text("p.summary"),
            day("p.first_reported"),
            layer_kinds.cell,
            "COALESCE(counts.met, 0)",
            "COALESCE(counts.total, 0)",
            stamp("p.updated_at"),
            "%s || p.slug || %s",
        ],
        source=(
            f"({base}) b JOIN proposals_proposal p ON p.id = b.pid "  # noqa: S608
            "LEFT JOIN (SELECT proposal_id, SUM(CASE WHEN status = %s THEN 1 ELSE 0 END) AS met, "
            "COUNT(*) AS total FROM proposals_precondition "
            f"WHERE proposal_id IN ({of}) GROUP BY proposal_id) counts "
            f"ON counts.proposal_id = p.id {proponents.join} {layer_kinds.join}"
        ),
        where="1 = 1",
        params=[
            safe_text(f"{base_url}{before}"),
            after,
            *base_params,
            PreconditionStatus.MET.value,
            *of_params,
            *proponents.params,
            *layer_kinds.params,
        ],
    )


def assets_listed(cells: tuple) -> tuple:
    """The assets, one a line in the database, as a "; " list (split_lines is Python's)."""
    return (*cells[:4], safe_text(joined(split_lines(cells[4]))), *cells[5:])


def layer_select(proposals: QuerySet, base_url: str) -> Select:
    of, of_params = ids(proposals)
    contributors = listed(
        "contributors",
        "a.name",
        "proposals_layer_contributors lc JOIN proposals_actor a ON a.id = lc.actor_id",
        owner="lc.layer_id",
        order="a.name",
        outer="l.id",
        scope=(
            f"lc.layer_id IN (SELECT id FROM proposals_layer WHERE proposal_id IN ({of}))",  # noqa: S608
            of_params,
        ),
    )
    return Select(
        key=["p.slug", "k.display_order", "k.slug"],
        cells=[
            text("p.slug"),
            text("k.slug"),
            text("l.description"),
            text("l.area"),
            "l.assets",
            contributors.cell,
            stamp("l.updated_at"),
        ],
        source=(
            "proposals_layer l JOIN proposals_proposal p ON p.id = l.proposal_id "
            f"JOIN proposals_layerkind k ON k.id = l.kind_id {contributors.join}"
        ),
        where=f"l.proposal_id IN ({of})",
        params=[*contributors.params, *of_params],
        finish=assets_listed,
    )


def precondition_select(proposals: QuerySet, base_url: str) -> Select:
    of, of_params = ids(proposals)
    return Select(
        key=["p.slug", "c.display_order", "c.id"],
        cells=[
            text("p.slug"),
            text("c.slug"),
            text("c.description"),
            text("c.status"),
            text("a.name"),
            text("k.slug"),
            stamp("c.updated_at"),
        ],
        source=(
            "proposals_precondition c JOIN proposals_proposal p ON p.id = c.proposal_id "
            "LEFT JOIN proposals_actor a ON a.id = c.responsible_id "
            "LEFT JOIN proposals_layer l ON l.id = c.layer_id "
            "LEFT JOIN proposals_layerkind k ON k.id = l.kind_id"
        ),
        where=f"c.proposal_id IN ({of})",
        params=of_params,
    )


def of_proposals(model, path: str = "proposal") -> Callable[[QuerySet], QuerySet]:
    return lambda proposals: model.objects.filter(
        **{f"{path}__in": proposals.order_by().values("pk")}
    )


def position_select(proposals: QuerySet, base_url: str) -> Select:
    of, of_params = ids(proposals)
    return Select(
        key=["p.slug", "a.slug", "o.stated_on", "o.id"],
        cells=[
            text("p.slug"),
            text("a.slug"),
            text("o.stance"),
            day("o.stated_on"),
            text("o.statement"),
            stamp("o.updated_at"),
        ],
        source=(
            "proposals_position o JOIN proposals_proposal p ON p.id = o.proposal_id "
            "JOIN proposals_actor a ON a.id = o.actor_id"
        ),
        where=f"o.proposal_id IN ({of})",
        params=of_params,
    )


def commitment_select(proposals: QuerySet, base_url: str) -> Select:
    of, of_params = ids(proposals)
    return Select(
        key=["p.slug", "a.slug", "k.display_order", "m.stated_on", "m.id"],
        cells=[
            text("p.slug"),
            text("a.slug"),
            text("k.slug"),
            text("m.phase"),
            "m.quantity",
            text("m.unit"),
            day("m.stated_on"),
            text("m.note"),
            stamp("m.updated_at"),
        ],
        source=(
            "proposals_commitment m JOIN proposals_layer l ON l.id = m.layer_id "
            "JOIN proposals_proposal p ON p.id = l.proposal_id "
            "JOIN proposals_layerkind k ON k.id = l.kind_id "
            "JOIN proposals_actor a ON a.id = m.actor_id"
        ),
        where=f"l.proposal_id IN ({of})",
        params=of_params,
    )


def status_change_select(proposals: QuerySet, base_url: str) -> Select:
    of, of_params = ids(proposals)
    return Select(
        # A proposal's own changes have no precondition: NULLs in the key.
        key=["p.slug", "c.display_order", "c.slug", "s.changed_on", "s.id"],
        cells=[
            text("p.slug"),
            text("c.slug"),
            text("s.status"),
            day("s.changed_on"),
            text("s.note"),
            stamp("s.updated_at"),
        ],
        source=(
            "proposals_statuschange s JOIN proposals_proposal p ON p.id = s.proposal_id "
            "LEFT JOIN proposals_precondition c ON c.id = s.precondition_id"
        ),
        where=f"s.proposal_id IN ({of})",
        params=of_params,
    )


def actor_select(proposals: QuerySet, base_url: str) -> Select:
    """Every actor, whatever the filters: a file to import before positions naming new ones."""
    return Select(
        key=["a.slug"],
        cells=[
            text("a.slug"),
            text("a.name"),
            text("a.kind"),
            text("a.description"),
            stamp("a.updated_at"),
        ],
        source="proposals_actor a",
        where="1 = 1",
        params=[],
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
        proposal_select,
    ),
    "layers": Kind(
        "layers",
        ["proposal_slug", "kind", "description", "area", "assets", "contributors", "updated_at"],
        layer_select,
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
        precondition_select,
    ),
    "positions": Kind(
        "positions",
        ["proposal_slug", "actor", "stance", "stated_on", "statement", "updated_at"],
        position_select,
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
        commitment_select,
        of_proposals(Commitment, "layer__proposal"),
    ),
    "status_changes": Kind(
        "status_changes",
        ["proposal_slug", "precondition_slug", "status", "changed_on", "note", "updated_at"],
        status_change_select,
        of_proposals(StatusChange),
    ),
    "actors": Kind(
        "actors",
        ["slug", "name", "kind", "description", "updated_at"],
        actor_select,
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


# Reading and writing ------------------------------------------------------------------------


def fetch(select: Select, after: tuple | None = None) -> Iterator[list[tuple]]:
    """The statement's rows after `after`, BLOCK_ROWS at a time (a server-side cursor on
    PostgreSQL, as QuerySet.iterator() uses, unless the settings disable them)."""
    sql, params = select.statement(after)
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        cursor = connection.cursor()
    else:
        cursor = connection.chunked_cursor()
    with cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(BLOCK_ROWS):
            yield batch


def header(kind: Kind) -> str:
    return BOM + csv.writer(Echo(), lineterminator="\r\n").writerow(kind.columns)


def csv_lines(kind: Kind, proposals: QuerySet, base_url: str) -> Iterator[str]:
    """The file, a line at a time: the byte-order mark and header first."""
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield header(kind)
    for row in kind.rows(proposals, base_url):
        yield writer.writerow(row)


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


def encoded(rows: Iterable[tuple]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


# A block of the file: its bytes, the sort key of its last row (None: no row yet), and whether
# the file ends with it.
Block = tuple[bytes, tuple | None, bool]


def blocks(kind: Kind, proposals: QuerySet, base_url: str, after: tuple | None) -> Iterator[Block]:
    """The file from the row after `after` (None: from its header), cut into blocks: a block
    ends at its BLOCK_ROWS-th row or at the row that takes it to BLOCK_BYTES, so that every
    reader cuts a file alike. The last block may be empty: it only says that the file ends."""
    select = kind.select(proposals, base_url)
    width, cells = len(select.key), select.cells_of()
    parts = [header(kind).encode()] if after is None else []
    size, count, last = sum(map(len, parts)), 0, after
    for batch in fetch(select, after):
        for start in range(0, len(batch), BATCH):
            rows = batch[start : start + BATCH]
            content = encoded(map(cells, rows))
            if count + len(rows) <= BLOCK_ROWS and size + len(content) < BLOCK_BYTES:
                parts.append(content)
                size, count, last = size + len(content), count + len(rows), rows[-1][:width]
                if count == BLOCK_ROWS:
                    yield b"".join(parts), last, False
                    parts, size, count = [], 0, 0
                continue
            for row in rows:  # the block ends among these rows: find the row
                content = encoded([cells(row)])
                parts.append(content)
                size, count, last = size + len(content), count + 1, row[:width]
                if count == BLOCK_ROWS or size >= BLOCK_BYTES:
                    yield b"".join(parts), last, False
                    parts, size, count = [], 0, 0
    yield b"".join(parts), last, True


def cached_csv(kind: Kind, filterset: ProposalFilter, base_url: str) -> Iterator[bytes]:
    """The file as /export/ serves it: its blocks from the cache, as long as it holds them, then
    the rest from the database, each block cached as it passes. Memory holds one block.

    A block is kept only if the data was still at the version of the key once the statement had
    started: versions only rise, so the statement saw that version's data.
    """
    state, version = cached.state(), cached.version_key()  # the request's (read once)
    # What the file holds depends on the filters alone: other parameters (a page, a tracker's)
    # would only make copies of it.
    query = shareable_query(filterset, drop=frozenset(filterset.data) - set(filterset.filters))
    scope = hashlib.sha256(f"{kind.name}?{query} {base_url}".encode())
    key = f"export:{scope.hexdigest()[:32]}:{version}"
    number, after = 0, None
    while (block := cached.get(f"{key}:{number}")) is not None:
        content, after, done = block
        if content:
            yield content
        if done:
            return
        number += 1
    keep = None
    for block in blocks(kind, filterset.qs, base_url, after):
        if keep is None:
            keep = cached.State(*DataVersion.state()) == state
        if keep:
            cached.set(f"{key}:{number}", block)
        number += 1
        if block[0]:
            yield block[0]


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
