"""Dated events on the proposals' timelines."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from .proposals import Proposal


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
