"""Dataset releases: the published data frozen as a citable Frictionless data package.

A release is `RELEASES_DIR/ceasefire-monitor-<version>.zip`: `datapackage.json` (Frictionless Data
Package v1, with a Table Schema for each file) and one CSV per kind, byte for byte what
/export/<file>.csv served at that moment. All files are read in one transaction, so that they
show one moment of the data. A release never changes: the archive is written under a hidden
name, validated, and linked into place only if no release of that version exists, so that a
reader never sees half a file and two commands racing for one version cannot both win.

/data/ lists the releases from their own `datapackage.json` and their SHA-256, which is worked
out once per file (its name, size and modification time) and kept in the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from .cached import safe
from .exports import KINDS, csv_lines, in_blocks
from .filters import filter_proposals
from .models import (
    Citation,
    LayerKind,
    Proposal,
    Source,
    of_proposal,
)
from .release_schema import DIALECT, RESOURCES, TITLES, code_values, table_schema

logger = logging.getLogger(__name__)

NAME = "ceasefire-monitor"
AUTHOR = "Ceasefire Monitor"
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
# Only a finished release has this name: the files being written start with a dot.
FILENAME = re.compile(rf"{NAME}-(?P<version>{VERSION.pattern})\.zip")
DESCRIPTOR = "datapackage.json"
# A release's size, SHA-256 and metadata, per state of its file; a new file has a new key.
CACHE_SECONDS = 30 * 24 * 60 * 60
UNREADABLE = "unreadable"


class ReleaseError(Exception):
    """A release that cannot be made; the message says why, and what to do."""


def check_version(version: str) -> None:
    if not VERSION.fullmatch(version):
        raise ReleaseError(
            f"“{version}” cannot be a release's version: use up to 40 letters, digits, dots, "
            "hyphens and underscores, starting with a letter or a digit, e.g. 2026.1."
        )


def filename(version: str) -> str:
    return f"{NAME}-{version}.zip"


def page_url(version: str) -> str:
    """The release on /data/, the address its citation gives."""
    return f"{settings.SITE_URL}{reverse('data')}#release-{version}"


def licence_name() -> str:
    """The data licence as people write it: CC BY 4.0 for CC-BY-4.0."""
    return settings.DATA_LICENSE["name"].replace("-", " ")


def citation(version: str, created: dt.datetime) -> str:
    return (
        f"{AUTHOR} ({created.year}). {AUTHOR} dataset, release {version} [Data set]. "
        f"Licensed {licence_name()}. {page_url(version)}"
    )


# Building a release


@dataclass(frozen=True)
class Written:
    """One CSV file as written into the archive."""

    kind: str
    path: str
    rows: int
    bytes: int
    sha256: str


def build(version: str, folder: Path | None = None) -> Release:
    """Freeze the published data as release `version`; refuse a version that exists.

    Raises ReleaseError with what went wrong; nothing is left behind then.
    """
    check_version(version)
    folder = Path(folder or settings.RELEASES_DIR)
    target = folder / filename(version)
    if target.exists():
        raise ReleaseError(f"Release {version} exists already ({target}); choose a new version.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise ReleaseError(f"Cannot write in the releases folder {folder}: {error}") from error
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as file:
            write_package(file, version)
            file.flush()
            os.fsync(file.fileno())
        if problems := validation_problems(temp, folder):
            raise ReleaseError(
                "The data package does not validate, so no release was made:\n  "
                + "\n  ".join(problems)
            )
        temp.chmod(0o644)  # public data; mkstemp made it readable by its owner only
        put_in_place(temp, target, version)
    except OSError as error:  # a full disk, say
        raise ReleaseError(f"Release {version} could not be written: {error}") from error
    finally:
        temp.unlink(missing_ok=True)
    release = describe(target)
    if release is None:
        raise ReleaseError(f"Release {version} was made, but cannot be read back ({target}).")
    return release


def put_in_place(temp: Path, target: Path, version: str) -> None:
    """Give the finished file its name, unless a release of that version has it already."""
    try:
        # A hard link, unlike a rename, never replaces a file: of two commands releasing one
        # version at once, exactly one gets the name.
        os.link(temp, target)
    except FileExistsError:
        raise ReleaseError(
            f"Release {version} was made by someone else meanwhile ({target}); "
            "theirs stands, yours was discarded."
        ) from None
    except OSError as error:
        raise ReleaseError(
            f"Release {version} could not be put in place ({error}): the releases folder must "
            "be on a file system that allows hard links."
        ) from error
    sync_folder(target.parent)


@contextmanager
def snapshot() -> Iterator[None]:
    """One read-only transaction, so that every file shows the data at one moment."""
    connection.ensure_connection()
    outermost = not connection.in_atomic_block
    deferred = connection.vendor == "sqlite" and outermost
    if deferred:
        # The settings' BEGIN IMMEDIATE would hold SQLite's write lock while the files are
        # written, and analysts' saves would time out; a deferred transaction reads one
        # snapshot of the WAL database and blocks no one.
        mode, connection.transaction_mode = connection.transaction_mode, "DEFERRED"
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        if deferred:
            connection.transaction_mode = mode


def write_package(file: IO[bytes], version: str) -> None:
    """Write the archive into `file`: the CSV files first, then datapackage.json, which
    describes them (their sizes, hashes and row counts)."""
    with snapshot():
        # Taken before the first read, which fixes the snapshot: whatever changed after this
        # moment may be missing from the files, and /data/ lists it as changed since.
        created = timezone.now()
        # What an unfiltered /export/<file>.csv exports, in the same order.
        proposals = filter_proposals(QueryDict(), Proposal.objects.published())[0].qs
        layer_kinds = list(LayerKind.objects.order_by("slug").values_list("slug", flat=True))
        sources = cited_sources()
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            written = [write_csv(archive, kind, proposals, created) for kind in KINDS]
            descriptor = package_descriptor(version, created, written, layer_kinds, sources)
            content = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
            archive.writestr(member(DESCRIPTOR, created), content.encode())


def member(name: str, created: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # unzipped files readable by all, as on /export/
    return info


class Counted:
    """The lines of a file, counted as they pass."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.count += 1
            yield line


def write_csv(
    archive: zipfile.ZipFile, kind: str, proposals: QuerySet, created: dt.datetime
) -> Written:
    """Stream one kind's file into the archive, a block at a time, hashing it on the way."""
    path = f"{RESOURCES[kind]}.csv"
    lines = Counted(csv_lines(KINDS[kind], proposals, settings.SITE_URL))
    digest = hashlib.sha256()
    size = 0
    with archive.open(member(path, created), "w") as target:
        for block in in_blocks(iter(lines)):
            target.write(block)
            digest.update(block)
            size += len(block)
    return Written(kind, path, lines.count - 1, size, digest.hexdigest())  # less the header


def cited_sources() -> list[Source]:
    """The reports that support at least one claim of a published proposal."""
    cited = Citation.objects.filter(of_proposal("__is_published", True)).values("source_id")
    return list(Source.objects.filter(pk__in=cited).order_by("publisher", "title", "pk"))


def package_descriptor(
    version: str,
    created: dt.datetime,
    written: list[Written],
    layer_kinds: list[str],
    sources: list[Source],
) -> dict[str, Any]:
    codes = code_values(layer_kinds)
    about = f"{settings.SITE_URL}{reverse('about')}"
    return {
        "profile": "tabular-data-package",
        "name": NAME,
        "title": f"{AUTHOR} dataset",
        "description": (
            "The published records of Ceasefire Monitor: proposals for monitoring and "
            "guaranteeing a future Russia–Ukraine ceasefire, their layers, preconditions, "
            "positions, commitments and status changes, and the actors, frozen on "
            f"{created.day} {created:%B %Y}. Every code and term is defined at {about}. "
            "Drafts are not included. The files are those of the site's CSV export: UTF-8 with "
            "a byte-order mark, CRLF line ends, lists inside a cell joined with '; ', and a text "
            "cell that would start with = + - @, a tab or a line break begins with an "
            "apostrophe, so that no spreadsheet runs it as a formula."
        ),
        "version": version,
        "created": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "homepage": settings.SITE_URL,
        "keywords": ["ceasefire", "Russia", "Ukraine", "monitoring", "peacekeeping"],
        "licenses": [dict(settings.DATA_LICENSE)],
        "contributors": [{"title": AUTHOR, "role": "author"}],
        "sources": [
            {"title": str(source), **({"path": source.url} if source.url else {})}
            for source in sources
        ],
        "citation": citation(version, created),
        "resources": [
            {
                "name": RESOURCES[file.kind],
                "path": file.path,
                "title": TITLES[file.kind],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": DIALECT,
                "bytes": file.bytes,
                "hash": f"sha256:{file.sha256}",
                "rows": file.rows,
                "schema": table_schema(file.kind, codes),
            }
            for file in written
        ],
    }


def validation_problems(archive: Path, folder: Path) -> list[str]:
    """What Frictionless finds wrong with the archive, unpacked beside it; nothing if valid."""
    import frictionless  # slow to import; only the command needs it

    with tempfile.TemporaryDirectory(prefix=".check-", dir=folder) as scratch:
        with zipfile.ZipFile(archive) as unpacked:
            unpacked.extractall(scratch)
        report = frictionless.validate(os.path.join(scratch, DESCRIPTOR))
    problems = [error.message for error in report.errors]
    for task in report.tasks:
        problems += [f"{task.name}: {error.message}" for error in task.errors]
    return problems[:20]


def sync_folder(folder: Path) -> None:
    """Make the new name durable, where the file system allows: the release is made either way."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        logger.warning("Could not flush the releases folder %s to disk", folder)


# Reading releases


@dataclass(frozen=True)
class ReleasedFile:
    name: str
    path: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class Release:
    """A release as /data/ shows it, from its datapackage.json and its file."""

    version: str
    filename: str
    path: Path
    size: int
    sha256: str
    created: dt.datetime
    citation: str
    files: tuple[ReleasedFile, ...]
    # When the file was written, to order releases made within the same second.
    written_ns: int

    @property
    def anchor(self) -> str:
        return f"release-{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("data-release", args=[self.filename])


def folder_state(folder: Path | None = None) -> str:
    """What the release files are now (names, sizes, times): the ETag of /data/ includes it, so
    a release shows at once however its file arrived, without waiting for the data to change."""
    folder = Path(folder or settings.RELEASES_DIR)
    try:
        entries = sorted(
            (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
            for entry in os.scandir(folder)
            if FILENAME.fullmatch(entry.name)
        )
    except FileNotFoundError:
        return ""
    return hashlib.blake2b(repr(entries).encode(), digest_size=8).hexdigest()


def listed(folder: Path | None = None) -> list[Release]:
    """Every readable release, newest first; a file that is not one is skipped and logged."""
    folder = Path(folder or settings.RELEASES_DIR)
    try:
        entries = [entry for entry in os.scandir(folder) if FILENAME.fullmatch(entry.name)]
    except FileNotFoundError:
        return []
    keys = {}
    for entry in entries:
        try:
            stat = entry.stat()
        except FileNotFoundError:  # deleted meanwhile
            continue
        keys[cache_key(Path(entry.path), stat)] = Path(entry.path)
    known = safe.get_many(list(keys))
    found = []
    for key, path in keys.items():
        release = known[key] if key in known else describe(path, key)
        if isinstance(release, Release):
            found.append(release)
    return sorted(found, key=lambda release: (release.created, release.written_ns), reverse=True)


def find(name: str, folder: Path | None = None) -> Release | None:
    """The listed release whose file is called `name`, if any."""
    if not FILENAME.fullmatch(name):
        return None
    return next((release for release in listed(folder) if release.filename == name), None)


def cache_key(path: Path, stat: os.stat_result) -> str:
    state = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return f"release:{hashlib.sha256(state.encode()).hexdigest()[:40]}"


def describe(path: Path, key: str | None = None) -> Release | None:
    """Read a release's metadata and hash its file, once per state of the file (cached)."""
    try:
        stat = path.stat()
        key = key or cache_key(path, stat)
        version = FILENAME.fullmatch(path.name)["version"]  # type: ignore[index]
        with zipfile.ZipFile(path) as archive:
            descriptor = json.loads(archive.read(DESCRIPTOR))
        if descriptor["version"] != version:
            raise ValueError(f"it says it is version {descriptor['version']}")
        created = dt.datetime.fromisoformat(descriptor["created"])
        if created.tzinfo is None:
            raise ValueError(f"its date has no time zone: {descriptor['created']}")
        release = Release(
            version=version,
            filename=path.name,
            path=path,
            size=stat.st_size,
            sha256=file_sha256(path),
            created=created,
            citation=str(descriptor["citation"]),
            files=tuple(
                ReleasedFile(
                    str(item["name"]), str(item["path"]), int(item["rows"]), int(item["bytes"])
                )
                for item in descriptor["resources"]
            ),
            written_ns=stat.st_mtime_ns,
        )
    except Exception as error:  # whatever is wrong with one file, the others are listed
        logger.warning("%s is not a readable release, so /data/ leaves it out: %r", path, error)
        if key:
            safe.set(key, UNREADABLE, CACHE_SECONDS)
        return None
    safe.set(key, release, CACHE_SECONDS)
    return release


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
