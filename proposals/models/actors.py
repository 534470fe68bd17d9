"""Who proposes, backs, contributes or must act: states, organisations, coalitions, people."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from .base import ActorKind, choices_check


class Actor(models.Model):
    """A state, an international organisation, a coalition or a person that backs or must act."""

    Kind = ActorKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Used in URLs: ?actor=<slug>.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STATE)
    description = models.TextField(blank=True, help_text="Who this is, in a sentence.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [choices_check("kind", ActorKind, "actor_kind_valid")]

    def __str__(self) -> str:
        return self.name
