"""Reading an uploaded CSV file, and checking its cells in the analyst's words (proposals.imports)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from .exports import FORMULA_STARTS, KINDS, LIST_SEPARATOR
from .models import SLUG, Actor


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
