"""The published change log of the whole site: /api/changes/, /feeds/changes.atom and /data/.

It is the public history of every published proposal (proposals.history), newest first: only
what changed while a proposal was published, people named as the history pages name them (never
by their login name). A page of it costs a fixed number of queries, whatever the number of
proposals: the newest historical rows of each kind of record say which proposals changed last,
and the histories of just those proposals are read, all at once.

A page is everything older than a moment (`before`), so that a reader can page back through it
while it grows; `since` keeps only what changed after another moment (a release, say).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from .cached import per_data_version
from .history import Entry, histories, proposal_of
from .models import (
    Citation,
    Commitment,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
)
from .prepared import Prepared

# The kinds of record whose history the log reads.
TRACKED = (
    Proposal,
    Layer,
    Precondition,
    Position,
    Commitment,
    StatusChange,
    ProposalRelation,
    Citation,
)
LIMIT = 50
MAX_LIMIT = 200


@dataclass
class PublishedChange:
    entry: Entry
    proposal: Proposal

    @property
    def url(self) -> str:
        """The entry on its proposal's history page (the page that holds it)."""
        return history_url(self.proposal.slug, self.entry.key)


@dataclass
class ChangeLog:
    changes: list[PublishedChange]
    # Where the next, older page starts (`before` for it), or None when there is none.
    next_before: dt.datetime | None


def history_url(slug: str, key: str) -> str:
    path = reverse("proposal-history", args=[slug])
    return f"{path}?{urlencode({'change': key})}#{key}"


def newest_rows(model, fetch: int, before: dt.datetime | None, since: dt.datetime | None):
    """(when, proposal, event) of the `fetch` newest historical rows of `model` between the
    moments, of published proposals (an event's citation: of any, sorted out later)."""
    history = model.history.all()
    if before is not None:
        history = history.filter(history_date__lt=before)
    if since is not None:
        history = history.filter(history_date__gt=since)
    wanted = Q(proposal_pk__in=Proposal.objects.filter(is_published=True).values("pk"))
    columns = ["history_date", "proposal_pk"]
    if model is Citation:  # an event's citation: any of the event's proposals may be shown
        wanted |= Q(event_id__isnull=False)
        columns.append("event_id")
    return (
        proposal_of(model, history)
        .filter(wanted)
        .order_by("-history_date")
        .values_list(*columns)[:fetch]
    )


# Compiled once per process for each kind of record and number of rows (at most 8 × MAX_LIMIT).
_NEWEST: dict[tuple, Prepared] = {}


def newest(model, fetch: int) -> Prepared:
    prepared = _NEWEST.get((model, fetch))
    if prepared is None:
        prepared = _NEWEST[(model, fetch)] = Prepared(partial(newest_rows, model, fetch))
    return prepared


def published_changes(
    limit: int = LIMIT,
    before: dt.datetime | None = None,
    since: dt.datetime | None = None,
) -> ChangeLog:
    """The `limit` newest published changes older than `before` and newer than `since`."""
    fetch = 2 * limit + 10  # rows, some of which make no entry (a draft period, one save's rows)
    rows: list[tuple[dt.datetime, int | None, int | None]] = []
    for model in TRACKED:
        for row in newest(model, fetch)(before, since):
            rows.append((row[0], row[1], row[2] if model is Citation else None))
    rows.sort(key=lambda row: row[0], reverse=True)
    rows = rows[:fetch]
    # Every row newer than `floor` was read; what is older waits for the next page.
    floor = rows[-1][0] if len(rows) == fetch else None

    ids = {proposal_pk for _, proposal_pk, _ in rows if proposal_pk is not None}
    events = {event_id for _, _, event_id in rows if event_id is not None}
    ids |= set(  # (one query even with no event, so that every page costs the same)
        Event.proposals.through.objects.filter(event_id__in=events or [-1]).values_list(
            "proposal_id", flat=True
        )
    )
    proposals = Proposal.objects.filter(pk__in=ids, is_published=True).only("slug", "title")
    by_pk = {proposal.pk: proposal for proposal in proposals}
    found = [
        PublishedChange(entry, by_pk[pk])
        for pk, entries in (histories(list(by_pk)) if by_pk else {}).items()
        for entry in entries
        if (floor is None or entry.when >= floor)
        and (before is None or entry.when < before)
        and (since is None or entry.when > since)
    ]
    found.sort(key=lambda change: (change.entry.when, change.entry.key), reverse=True)
    if len(found) > limit:
        return ChangeLog(found[:limit], found[limit - 1].entry.when)
    return ChangeLog(found, floor)


def cached_changes(
    limit: int = LIMIT,
    before: dt.datetime | None = None,
    since: dt.datetime | None = None,
) -> ChangeLog:
    """published_changes, worked out once per state of the data."""
    moments = ":".join(moment.isoformat() if moment else "" for moment in (before, since))
    return per_data_version(
        f"changes:{limit}:{moments}", lambda: published_changes(limit, before, since)
    )


def proposal_changes(proposal: Proposal, limit: int = LIMIT) -> list[PublishedChange]:
    """The `limit` newest published changes of one proposal, once per state of the data."""

    def compute() -> list[PublishedChange]:
        entries = histories([proposal.pk])[proposal.pk]
        return [PublishedChange(entry, proposal) for entry in entries[:limit]]

    return per_data_version(f"proposal-changes:{proposal.pk}:{limit}", compute)


# What the log's records are, as the API names them (a historical row's model).
RECORD_TYPES = {
    "proposal": "proposal",
    "layer": "layer",
    "precondition": "precondition",
    "position": "position",
    "commitment": "commitment",
    "statuschange": "status_change",
    "proposalrelation": "relation",
    "citation": "citation",
}


def record_type(entry: Entry) -> str:
    """The kind of record an entry is about, from its key (change-<model>-<row>)."""
    return RECORD_TYPES[entry.key.split("-")[1]]
