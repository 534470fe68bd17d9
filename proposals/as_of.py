"""The picture as known on a past day (`?as_of=YYYY-MM-DD`): what had been reported by then, each
status from its latest dated change up to that day, each stance and commitment then in force."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from . import supersession
from .models import BACKING, Actor, Layer, Position, Precondition, Proposal, StatusSpan

PARAM = "as_of"


def parse(params: QueryDict) -> tuple[dt.date | None, str | None]:
    """The day asked for, or None and why it was not taken (shown on the page, status 400)."""
    value = params.get(PARAM, "").strip()
    if not value:
        return None, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return (
            None,
            f"The date given, {value[:40]}, is not a date like 2025-03-10, so this shows today's picture.",
        )
    if day >= timezone.localdate():
        return None, None  # today or later: the picture of today
    return day, None


def day_end(day: dt.date) -> dt.datetime:
    """When the next day begins, in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def reported_q(day: dt.date, end: dt.datetime | None = None) -> Q:
    """A proposal first reported by then (one never dated: created by then). `end` is
    day_end(day), given by a prepared query (proposals.prepared) that takes it as an argument."""
    # Created before the next day began: a comparison with the column, not a conversion of
    # every row's timestamp to a date.
    end = day_end(day) if end is None else end
    return Q(first_reported__lte=day) | Q(first_reported__isnull=True, created_at__lt=end)


def span_on(day: dt.date) -> Q:
    """The stored spans (InvolvementSpan, StatusSpan) in force that day: one per actor
    and proposal, one per precondition."""
    return (Q(since__isnull=True) | Q(since__lte=day)) & (Q(until__isnull=True) | Q(until__gt=day))


def status_spans(day: dt.date, preconditions: bool = False) -> QuerySet:
    """The proposals' statuses in force that day (StatusSpan, one per proposal), or with
    `preconditions` their preconditions' (one per precondition)."""
    return StatusSpan.objects.filter(span_on(day), precondition__isnull=not preconditions)


def left_out(day: dt.date | None, public: bool) -> QuerySet | None:
    """The proposals not in the picture: drafts (for readers), and those not reported by then
    (on a past day); None if none is. Named from their columns, so that PostgreSQL knows they are
    few and looks up the rows of each, instead of joining every proposal."""
    kept = Q(is_published=True) if public else Q()
    if day is not None:
        kept &= reported_q(day)
    return Proposal.objects.exclude(kept) if kept else None


def records_of(actor: Actor, day: dt.date | None, public: bool) -> tuple[QuerySet, QuerySet]:
    """The actor's positions and commitments on the proposals in the picture (published ones
    for readers, and on a past day those reported by then), not yet narrowed to that day."""
    positions, commitments = actor.positions.all(), actor.commitments.all()
    if day is None:
        # Today those left out are the drafts: few, so they are named from their columns and
        # PostgreSQL looks up the actor's records, instead of joining every layer and proposal
        # (14 ms to 2 with 10,000 proposals).
        drafts = left_out(None, public)
        if drafts is not None:
            positions = positions.exclude(proposal__in=drafts)
            commitments = commitments_outside(commitments, drafts)
    else:  # those not yet reported are many: the proposals kept are joined
        kept = reported_by(Proposal.objects.published() if public else Proposal.objects, day)
        positions = positions.filter(proposal__in=kept)
        commitments = commitments.filter(layer__proposal__in=kept)
    return positions, commitments


def commitments_outside(commitments: QuerySet, proposals: QuerySet) -> QuerySet:
    """The commitments but those to the layers of `proposals`, a few named from their columns
    (as left_out gives them): PostgreSQL looks up a short list of layers instead of joining every
    layer and proposal."""
    return commitments.exclude(layer__in=Layer.objects.filter(proposal__in=proposals))


def reported_by(proposals: QuerySet, day: dt.date, end: dt.datetime | None = None) -> QuerySet:
    """The proposals first reported by then."""
    return proposals.filter(reported_q(day, end))


def with_status_on(records: QuerySet, day: dt.date) -> QuerySet:
    """Proposals or preconditions with `status_then`: the status that day, given by the change
    then in force (before the first change, the first's), or today's if none is on record.

    Each change stores when the next one replaced it and whether it is the first
    (proposals.supersession), so that change is found by a join, not a search per row."""
    in_force = (Q(status_changes__changed_on__lte=day) | Q(status_changes__is_first=True)) & (
        Q(status_changes__superseded_on__isnull=True) | Q(status_changes__superseded_on__gt=day)
    )
    if records.model is Proposal:  # its own changes, not those of its preconditions
        in_force &= Q(status_changes__precondition__isnull=True)
    return records.annotate(
        change_then=FilteredRelation("status_changes", condition=in_force),
        status_then=Coalesce(F("change_then__status"), F("status")),
    )


def proposals_on(proposals: QuerySet, day: dt.date, end: dt.datetime | None = None) -> QuerySet:
    """Reported by then, with `status_then`: the status in force that day."""
    return with_status_on(reported_by(proposals, day, end), day)


def preconditions_on(day: dt.date) -> QuerySet:
    return with_status_on(Precondition.objects.all(), day)


def in_force(records: QuerySet, keys: tuple[str, ...], day: dt.date | None) -> QuerySet:
    """Of the dated records (`stated_on`) that share `keys`, the latest up to `day` (all of them
    if None): the one in force. Later by date, then by id."""
    chain = supersession.CHAINS.get(records.model)
    if chain is not None and chain.keys == keys:  # the date each was replaced is kept
        if day is None:
            return records.filter(superseded_on__isnull=True)
        return records.filter(
            Q(superseded_on__isnull=True) | Q(superseded_on__gt=day), stated_on__lte=day
        )
    later = records.model.objects.filter(**{key: OuterRef(key) for key in keys}).filter(
        Q(stated_on__gt=OuterRef("stated_on"))
        | Q(stated_on=OuterRef("stated_on"), pk__gt=OuterRef("pk"))
    )
    if day is not None:
        records, later = records.filter(stated_on__lte=day), later.filter(stated_on__lte=day)
    return records.filter(~Exists(later))


def positions_in_force(day: dt.date | None, positions: QuerySet | None = None) -> QuerySet:
    """Each actor's latest position on each proposal, as of `day` (today if None)."""
    positions = Position.objects.all() if positions is None else positions
    return in_force(positions, ("proposal", "actor"), day)


def backers_on(day: dt.date) -> QuerySet:
    """(actor, proposal) of the stances that backed a proposal that day."""
    return positions_in_force(day).filter(stance__in=BACKING)


def positions_on(positions: QuerySet, day: dt.date | None) -> QuerySet:
    return positions if day is None else positions.filter(stated_on__lte=day)


def commitments_on(commitments: QuerySet, day: dt.date | None) -> QuerySet:
    return commitments if day is None else commitments.filter(stated_on__lte=day)


def proposal_on(proposal: Proposal, day: dt.date) -> Proposal:
    """A proposal whose status is the one in force that day (for its page's header)."""
    status = (
        with_status_on(Proposal.objects.filter(pk=proposal.pk), day)
        .values_list("status_then", flat=True)
        .get()
    )
    proposal.status = status
    return proposal


def known_by(citation, day: dt.date | None) -> bool:
    """Whether a citation had been published, and said, by `day` (always, for today's picture)."""
    if day is None:
        return True
    published, said = citation.source.published_on, citation.said_on
    return not ((published and published > day) or (said and said > day))


def on_page(day: dt.date | None) -> dict:
    """Template context: the day shown, and the query string that keeps it in links."""
    if day is None:
        return {"as_of": None, "as_of_query": ""}
    return {"as_of": day, "as_of_query": f"{PARAM}={day.isoformat()}"}
