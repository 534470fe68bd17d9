"""The analysts' queues: what waits for them, each in a fixed number of queries.

- drafts awaiting publication, with who created them and when;
- unsourced claims (what `audit_sources` lists), by proposal;
- stale proposals: published, and not reviewed within STALE_AFTER_DAYS calendar days;
- what others changed since this analyst's last visit, by proposal;
- this analyst's imports uploaded and not applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import claims, unsourced
from .cached import per_data_version
from .history import proposal_of, user_label
from .models import (
    Citation,
    Commitment,
    ImportBatch,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    StatusChange,
    WorkspaceVisit,
)
from .prepared import Prepared

PER_PAGE = 20
UNSOURCED_PROPOSALS_PER_PAGE = 10
# On a first visit, others' changes of this many days are shown.
FIRST_VISIT_DAYS = 7


def start_of_day(days_ago: int) -> dt.datetime:
    """The start of the calendar day `days_ago` days before today, in the site's time zone."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def stale_since() -> dt.datetime:
    """A proposal last reviewed before this moment is stale: the start of the day
    STALE_AFTER_DAYS calendar days ago (with 0, of today)."""
    return start_of_day(settings.STALE_AFTER_DAYS)


def stale(proposals: QuerySet[Proposal] | None = None) -> QuerySet[Proposal]:
    """Published proposals no analyst has reviewed recently, the longest unreviewed first."""
    proposals = Proposal.objects.all() if proposals is None else proposals
    return (
        proposals.published()
        .filter(Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=stale_since()))
        .select_related("reviewed_by")
        .defer("search_document", "search_vector")  # long, and not shown
        .order_by(F("reviewed_at").asc(nulls_first=True), "title", "pk")
    )


def drafts() -> QuerySet[Proposal]:
    """Unpublished proposals, newest first, each with who created it (from its history)."""
    creator = Proposal.history.filter(id=OuterRef("pk"), history_type="+").order_by("history_date")
    return (
        Proposal.objects.filter(is_published=False)
        .annotate(creator_id=Subquery(creator.values("history_user_id")[:1]))
        .order_by("-created_at", "-pk")
    )


def with_creators(page: Page) -> None:
    """Each draft on the page gets `creator`: its creator's name, as the history shows it."""
    users = get_user_model().objects.in_bulk({p.creator_id for p in page if p.creator_id})
    for proposal in page:
        proposal.creator = user_label(users.get(proposal.creator_id))


def unsourced_page(number) -> tuple[Page, list[dict]]:
    """A page of the published proposals that have unsourced claims, by title, each with those
    claims and the address of the citation form for each (the same for every analyst: cached)."""
    proposals = (
        Proposal.objects.published()
        .filter(unsourced_claims__gt=0)
        .order_by("title", "pk")
        .values_list("pk", flat=True)
    )
    page = Paginator(proposals, UNSOURCED_PROPOSALS_PER_PAGE).get_page(number)
    ids = list(page)
    groups = per_data_version(
        f"workspace-unsourced-page:{','.join(map(str, ids))}", lambda: unsourced_groups(ids)
    )
    return page, groups


def unsourced_groups(ids: list[int]) -> list[dict]:
    back = urlencode({"next": reverse("workspace") + "#unsourced"})
    groups: dict[int, dict] = {}
    for item in claims.unsourced_of(ids):
        proposal = item.proposal
        group = groups.get(proposal.pk)
        if group is None:  # the addresses once per proposal, not per claim
            group = groups[proposal.pk] = {
                "pk": proposal.pk,
                "title": proposal.title,
                "url": proposal.get_absolute_url(),
                "cite": reverse("citation-create", args=[proposal.slug]),
                "claims": [],
            }
        on = urlencode({"on": item.cite_on})
        group["claims"].append({"what": item.what, "cite": f"{group['cite']}?{on}&{back}"})
    return [groups[pk] for pk in ids if pk in groups]


def unsourced_count() -> int:
    """How many claims of published proposals no citation supports (proposals.unsourced)."""
    return unsourced.total(Proposal.objects.published())


@dataclass
class Changed:
    """What others changed in one proposal since a moment."""

    proposal: Proposal
    when: dt.datetime
    editors: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=set)
    count: int = 0


# The records whose changes count, and what a change of each is called.
TRACKED = {
    Proposal: "the proposal",
    Layer: "layers",
    Precondition: "preconditions",
    Position: "positions",
    Commitment: "commitments",
    StatusChange: "status changes",
    ProposalRelation: "relations",
    Citation: "citations",
}


def changed_by_others(user, since: dt.datetime) -> list[Changed]:
    """Proposals others changed after `since`, the most recently changed first; worked out once
    per state of the data for this analyst and moment."""
    return per_data_version(
        f"workspace-changed:{user.pk}:{since.isoformat()}",
        lambda: find_changed_by_others(user, since),
    )


def _changes_by_others(since: dt.datetime, user_id: int):
    """(proposal, person, last change, number of changes, what) for each kind of record."""
    parts = [
        proposal_of(model, model.history.filter(history_date__gt=since, history_user__isnull=False))
        .exclude(history_user=user_id)
        .order_by()
        .values("proposal_pk", "history_user_id")
        .annotate(last=Max("history_date"), count=Count("history_id"), label=Value(label))
        .values_list("proposal_pk", "history_user_id", "last", "count", "label")
        for model, label in TRACKED.items()
    ]
    return parts[0].union(*parts[1:], all=True)


CHANGES_BY_OTHERS = Prepared(_changes_by_others)  # compiled once per process


def find_changed_by_others(user, since: dt.datetime) -> list[Changed]:
    """One query over the histories of every kind of record, one for the proposals and one for
    the people."""
    keys = ("proposal_pk", "history_user_id", "last", "count", "label")
    rows = [dict(zip(keys, row, strict=True)) for row in CHANGES_BY_OTHERS(since, user.pk)]
    rows = [row for row in rows if row["proposal_pk"] is not None]
    proposals = Proposal.objects.defer("search_document", "search_vector").in_bulk(
        {row["proposal_pk"] for row in rows}
    )
    users = get_user_model().objects.in_bulk({row["history_user_id"] for row in rows})
    found: dict[int, Changed] = {}
    for row in rows:
        proposal = proposals.get(row["proposal_pk"])
        if proposal is None:
            continue  # deleted since
        changed = found.setdefault(proposal.pk, Changed(proposal, row["last"]))
        changed.when = max(changed.when, row["last"])
        changed.editors.add(user_label(users.get(row["history_user_id"])))
        changed.records.add(row["label"])
        changed.count += row["count"]
    return sorted(found.values(), key=lambda changed: changed.when, reverse=True)


def visit(user, now: dt.datetime | None = None) -> WorkspaceVisit:
    """Record that `user` opened the workspace; its `previous_at` is when the last visit ended."""
    now = now or timezone.now()
    current = WorkspaceVisit.objects.filter(user=user).first()
    if current is None:
        return WorkspaceVisit.objects.create(
            user=user, started_at=now, previous_at=first_visit_since(), seen_at=now
        )
    if now - current.seen_at > WorkspaceVisit.NEW_AFTER:
        current.previous_at, current.started_at = current.seen_at, now
    current.seen_at = now
    current.save(update_fields=["previous_at", "started_at", "seen_at"])
    return current


def first_visit_since() -> dt.datetime:
    """Before a first visit, others' changes count from the start of the day a week ago."""
    return start_of_day(FIRST_VISIT_DAYS)


def waiting(user) -> int:
    """How many items wait in the analyst's queues (the header's figure)."""
    visit = WorkspaceVisit.objects.filter(user=user).first()
    return sum(counts(user, visit.previous_at if visit else first_visit_since()).values())


def pending_imports(user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(uploaded_by=user, applied_at__isnull=True).order_by(
        "-created_at"
    )


def counts(user, since: dt.datetime | None) -> dict[str, int]:
    """How many items wait in each queue (the header's total is their sum)."""
    day = timezone.localdate()
    shared = per_data_version(
        f"workspace-counts:{day}",
        lambda: {
            "drafts": Proposal.objects.filter(is_published=False).count(),
            "unsourced": unsourced_count(),
            "stale": stale().count(),
        },
    )
    changed = len(changed_by_others(user, since)) if since else 0
    return shared | {"changed": changed, "imports": pending_imports(user).count()}


class Counted(Paginator):
    """A paginator told its count (from counts()), so that it need not count again."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count
