"""Reading an uploaded CSV file, checking its cells in the analyst's words, and the plan that says
what applying it would do (proposals.imports plans and applies)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models

from . import writes
from .exports import FORMULA_STARTS, KINDS, LIST_SEPARATOR
from .history import changes_since
from .models import SLUG, Actor, VersionedModel

# The errors a preview lists; the rest are counted.
ERRORS_SHOWN = 200


class ImportRefused(Exception):
    """The file as a whole cannot be read (empty, too large, not UTF-8 text, wrong header)."""


@dataclass
class RowError:
    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        shown = f" “{self.value[:80]}”" if self.value else ""
        return f"{where}:{shown} {self.message}"


def unescape(value: str) -> str:
    """Take off the apostrophe that the export put before formula-like text."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_rows(content: bytes, kind: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV file, or ImportRefused with the reason."""
    limit = settings.IMPORT_MAX_BYTES
    max_rows = settings.IMPORT_MAX_ROWS
    if len(content) > limit:
        raise ImportRefused(
            f"The file is {len(content) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB."
        )
    if not content.strip():
        raise ImportRefused("The file is empty.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Save it as "
            "“CSV UTF-8” and try again."
        ) from None
    if "\x00" in text:
        raise ImportRefused("The file is not CSV text (it holds NUL bytes).")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportRefused("The file has no header line.") from None
    expected = KINDS[kind].columns
    if header[: len(expected)] != expected:
        missing = [column for column in expected if column not in header]
        detail = f"missing {', '.join(missing)}" if missing else "the columns are out of order"
        raise ImportRefused(f"Line 1: the header must begin with {', '.join(expected)} ({detail}).")
    rows = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) == max_rows:
                raise ImportRefused(
                    f"The file has more than {max_rows:,} rows, the most one import takes. Split it "
                    "into several files and import them one after the other."
                )
            values = dict(zip(header, row, strict=False))
            rows.append((reader.line_num, {k: unescape(values.get(k, "")) for k in expected}))
    except csv.Error as error:
        raise ImportRefused(f"Line {reader.line_num}: the CSV is malformed ({error}).") from None
    return rows


class Checker:
    """Collects the errors of one row, in the analyst's words, into `errors`."""

    def __init__(self, errors: list[RowError], line: int, row: dict[str, str]):
        self.errors, self.line, self.row = errors, line, row
        self.ok = True

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, self.row.get(column, ""), message))
        self.ok = False

    def text(self, column: str, model_field: models.Field, required: bool = False) -> str:
        value = self.row[column].strip() if column != "summary" else self.row[column]
        if required and not value.strip():
            self.error(column, "is required.")
        elif model_field.max_length and len(value) > model_field.max_length:
            self.error(
                column, f"is {len(value)} characters long; at most {model_field.max_length}."
            )
        return value

    def choice(self, column: str, choices: list[str]) -> str:
        value = self.row[column].strip()
        if value not in choices:
            self.error(column, f"is not one of {', '.join(choices)}.")
        return value

    def slug(self, column: str, model_field: models.Field) -> str:
        value = self.row[column].strip()
        if not SLUG.fullmatch(value):
            self.error(column, "must be letters, digits, hyphens and underscores.")
        elif len(value) > model_field.max_length:
            self.error(
                column, f"is {len(value)} characters long; at most {model_field.max_length}."
            )
        return value

    def date(self, column: str) -> dt.date | None:
        value = self.row[column].strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(column, "is not a date like 2025-03-27.")
            return None

    def actors(self, column: str, actors: dict[str, Actor]) -> list[Actor]:
        names = [name.strip() for name in self.row[column].split(LIST_SEPARATOR.strip())]
        names = [name for name in names if name]
        if unknown := [name for name in names if name not in actors]:
            self.error(column, f"names unknown actors: {', '.join(unknown)}. Add them first.")
        return [actors[name] for name in names if name in actors]


@dataclass
class Moved:
    """A record the file names that someone changed, created or deleted after the preview."""

    identity: str
    what: str
    editors: list[str] = field(default_factory=list)
    changes: list = field(default_factory=list)


@dataclass
class RowPlan:
    line: int
    identity: str
    action: str  # create, update, unchanged
    changes: list[str] = field(default_factory=list)
    apply: object = None  # a callable that writes the row
    record: models.Model | None = None  # the record on file, if any


@dataclass
class ImportPlan:
    kind: str
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)

    @property
    def errors_shown(self) -> list[RowError]:
        return self.errors[:ERRORS_SHOWN]

    @property
    def errors_not_shown(self) -> int:
        return max(0, len(self.errors) - ERRORS_SHOWN)

    def versions(self) -> dict[str, int | str | None]:
        """The version of each record the file names, None for those it would create."""
        return {row.identity: version_of(row.record) for row in self.rows}

    def moved_since(self, versions: dict[str, int | str | None]) -> list[Moved]:
        moved = []
        for row in self.rows:
            then, now = versions.get(row.identity), version_of(row.record)
            if then == now:
                continue
            if then is None:
                moved.append(Moved(row.identity, "created since the preview"))
            elif now is None:
                moved.append(Moved(row.identity, "deleted since the preview"))
            elif not isinstance(row.record, VersionedModel):
                moved.append(Moved(row.identity, "changed since the preview"))
            else:
                since = changes_since(row.record, then)
                moved.append(
                    Moved(row.identity, "changed since the preview", since.editors, since.changes)
                )
        return moved


def changed_fields(instance: models.Model, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(instance, name) != value]


def version_of(record: models.Model | None) -> int | str | None:
    """What tells whether a record moved on: its version, or when it was last saved."""
    if record is None:
        return None
    if isinstance(record, VersionedModel):
        return record.version
    return record.updated_at.isoformat()


def locked(queryset: models.QuerySet, lock: bool) -> models.QuerySet:
    """The records themselves, locked in id order (not the rows they are joined with)."""
    return queryset.select_for_update(of=("self",)).order_by("pk") if lock else queryset


def record(
    plan: ImportPlan,
    line: int,
    identity: str,
    instance,
    values: dict,
    m2m,
    create,
    after_update=None,
):
    """Add a row to the plan: what it would create or change, and how to write it (`create`
    returns the record it made; what derives from either is settled by proposals.writes)."""
    m2m = m2m or {}
    if instance is None:

        def create_and_settle():
            writes.settle(create())

        plan.rows.append(RowPlan(line, identity, "create", sorted(values), create_and_settle))
        return
    changes = changed_fields(instance, values)
    for name, targets in m2m.items():
        if {a.pk for a in getattr(instance, name).all()} != {a.pk for a in targets}:
            changes.append(name)
    if not changes:
        plan.rows.append(RowPlan(line, identity, "unchanged", record=instance))
        return

    def apply():
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
        for name, targets in m2m.items():
            getattr(instance, name).set(targets)
        writes.settle(instance)
        if after_update:
            after_update(instance, changes)

    plan.rows.append(RowPlan(line, identity, "update", changes, apply, instance))
