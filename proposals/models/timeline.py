"""What happened when: events on the proposals' timelines, and dated changes of status."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .base import PreconditionStatus, ProposalStatus, VersionedModel
from .proposals import Precondition, Proposal


class Event(models.Model):
    """A dated event (a statement, a summit) on the timeline of the proposals it concerns."""

    date = models.DateField()
    title = models.CharField(max_length=300)
    place = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="events")

    history = HistoricalRecords(m2m_fields=[proposals])

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    @property
    def anchor(self) -> str:
        return f"event-{self.pk}"

    @property
    def cite_on(self) -> str:
        return f"event:{self.pk}"


class StatusChange(VersionedModel):
    """A dated change of a proposal's status or, with `precondition`, of a precondition's.

    The record's current status is that of its latest change (proposals.writes keeps it so).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    precondition = models.ForeignKey(
        Precondition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
        help_text="Empty for a change of the proposal's own status.",
    )
    status = models.CharField(max_length=20)
    changed_on = models.DateField(help_text="When it happened in the world.")
    note = models.TextField(blank=True)
    # Derived from the other changes of the same status (proposals.supersession).
    superseded_on = models.DateField(
        null=True,
        editable=False,
        help_text="When the next change of the same status happened; empty for the latest.",
    )
    is_first = models.BooleanField(
        default=True,
        db_default=True,  # the release before this column can still record changes
        editable=False,
        help_text="Whether it is the first change of this status on record: before it, the "
        "status it gives is taken to hold.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["superseded_on", "is_first"])

    class Meta:
        ordering = ["-changed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "changed_on"],
                condition=Q(precondition__isnull=True),
                name="one_proposal_status_change_per_day",
            ),
            models.UniqueConstraint(
                fields=["proposal", "precondition", "changed_on"],
                condition=Q(precondition__isnull=False),
                name="one_precondition_status_change_per_day",
            ),
            models.CheckConstraint(
                condition=(
                    Q(precondition__isnull=True, status__in=ProposalStatus.values)
                    | Q(precondition__isnull=False, status__in=PreconditionStatus.values)
                ),
                name="status_change_status_valid",
            ),
        ]
        # A precondition's status on a day: its latest change up to then (as_of).
        indexes = [
            models.Index(fields=["precondition", "changed_on"], name="status_change_precondition")
        ]

    def __str__(self) -> str:
        return f"{self.changed_on:%Y-%m-%d}: {self.get_status_display()}"

    @property
    def statuses(self) -> type[models.TextChoices]:
        return ProposalStatus if self.precondition_id is None else PreconditionStatus

    def get_status_display(self) -> str:
        return str(dict(self.statuses.choices).get(self.status, self.status))

    def clean(self) -> None:
        super().clean()
        if self.status and self.status not in self.statuses.values:
            raise ValidationError({"status": f"Choose one of {', '.join(self.statuses.values)}."})
        if self.precondition_id and self.precondition.proposal_id != self.proposal_id:
            raise ValidationError({"precondition": "Choose a precondition of the same proposal."})

    @property
    def anchor(self) -> str:
        return f"status-change-{self.pk}"

    @property
    def cite_on(self) -> str:
        return f"status_change:{self.pk}"


class StatusSpan(models.Model):
    """A proposal's status, or with `precondition` a precondition's, over a stretch of days, for
    the picture of any past day: one row per status change (from the day it was made, or always
    before the first, until the next one), or a single row with today's status for a record
    whose status never changed on record. Exactly one row of each proposal and of each
    precondition is in force on any day. Derived, not edited: proposals.status_spans rewrites a
    proposal's rows after every change to it, its preconditions or their status changes, in
    the same transaction."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    precondition = models.ForeignKey(
        Precondition, on_delete=models.CASCADE, null=True, related_name="+"
    )
    # A proposal's status or a precondition's (PreconditionStatus), by `precondition`.
    status = models.CharField(max_length=20)
    since = models.DateField(null=True)  # empty: always
    until = models.DateField(null=True)  # empty: still

    class Meta:
        indexes = [models.Index(fields=["status", "proposal"], name="status_span_idx")]

    def __str__(self) -> str:
        return f"{self.precondition_id or self.proposal_id} {self.status} from {self.since} until {self.until}"
