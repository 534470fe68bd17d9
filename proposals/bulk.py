"""One action applied to many proposals from the workspace, each saved through proposals.writes.

Every row is its own change, checked against the version the analyst saw: a row someone else
changed (or deleted) meanwhile is reported with what changed and left untouched; the others are
applied. One row's conflict never undoes another's success.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone

from . import writes
from .history import Change
from .models import Citation, Proposal, ProposalStatus, Source


@dataclass
class Outcome:
    proposal_id: int
    title: str
    done: bool
    message: str
    changes: list[Change] = field(default_factory=list)
    url: str = ""


@dataclass
class StatusChoice:
    """What the set-status action records on each proposal, with the citation that supports it."""

    status: str
    day: dt.date
    note: str
    source: Source
    kind: str
    text: str


def mark_reviewed(proposal: Proposal, user) -> Proposal:
    """Within a change: the proposal was checked against its sources by `user`, now. Its content
    (and so its last-updated time) is untouched."""
    proposal.reviewed_at = timezone.now()
    proposal.reviewed_by = user
    proposal.save(update_fields=["reviewed_at", "reviewed_by", "version"])
    return proposal


def publish(proposal: Proposal, user) -> str:
    if proposal.is_published:
        mark_reviewed(proposal, user)
        return "was already published; marked reviewed"
    proposal.is_published = True
    proposal.reviewed_at = timezone.now()
    proposal.reviewed_by = user
    proposal.save()
    return "published"


def review(proposal: Proposal, user) -> str:
    mark_reviewed(proposal, user)
    return "marked reviewed"


def set_status(proposal: Proposal, user, choice: StatusChoice) -> str:
    change = writes.record_status_change(proposal, None, choice.status, choice.day, choice.note)
    Citation.objects.create(
        source=choice.source, kind=choice.kind, text=choice.text, status_change=change
    )
    now = Proposal.objects.get(pk=proposal.pk)
    label = ProposalStatus(choice.status).label.lower()
    day = f"{choice.day:%-d %B %Y}"
    if now.status == choice.status:
        return f"{label} since {day}"
    # A later dated change is still the one in force.
    return f"{label} recorded for {day}; a later change keeps it {now.get_status_display().lower()}"


def apply(action: str, user, rows: list[tuple[int, int]], choice: StatusChoice | None = None):
    """Apply `action` ("publish", "review" or "status") to each (proposal id, version seen)."""
    found = Proposal.objects.in_bulk([pk for pk, _ in rows])
    outcomes = []
    for pk, version in rows:
        proposal = found.get(pk)
        if proposal is None:
            outcomes.append(Outcome(pk, f"Proposal #{pk}", False, "was deleted meanwhile"))
            continue

        def write(proposal=proposal):
            if action == "publish":
                return publish(proposal, user)
            if action == "review":
                return review(proposal, user)
            return set_status(proposal, user, choice)

        try:
            message = writes.save(proposal, version, user, write)
        except writes.Conflict as conflict:
            if conflict.current is None:
                message, changes = "was deleted meanwhile", []
            else:
                editors = ", ".join(conflict.since.editors) if conflict.since else "someone"
                message = f"was changed meanwhile by {editors or 'someone'}: left as it is"
                changes = conflict.since.changes if conflict.since else []
            outcomes.append(
                Outcome(pk, proposal.title, False, message, changes, proposal.get_absolute_url())
            )
            continue
        except IntegrityError:  # a status change recorded for that day by someone else at once
            outcomes.append(
                Outcome(pk, proposal.title, False, "changed at the same moment: try again")
            )
            continue
        outcomes.append(Outcome(pk, proposal.title, True, message, [], proposal.get_absolute_url()))
    return outcomes
