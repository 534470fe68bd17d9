"""Who proposes, backs, contributes or must act: states, organisations, coalitions, people."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from .base import ActorKind, Phase, Stance, Unit, VersionedModel, choices_check


class Actor(models.Model):
    """A state, an international organisation, a coalition or a person that backs or must act."""

    Kind = ActorKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Used in URLs: ?actor=<slug>.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STATE)
    description = models.TextField(blank=True, help_text="Who this is, in a sentence.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [choices_check("kind", ActorKind, "actor_kind_valid")]

    def __str__(self) -> str:
        return self.name


class Position(VersionedModel):
    """An actor's stance on a proposal as stated on a date; its current stance is its latest."""

    Stance = Stance

    proposal = models.ForeignKey("Proposal", on_delete=models.CASCADE, related_name="positions")
    # An actor with positions on record cannot vanish unnoticed.
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="positions")
    stance = models.CharField(max_length=20, choices=Stance.choices)
    stated_on = models.DateField(help_text="When the actor took this stance, in the world.")
    statement = models.TextField(
        blank=True, help_text="What the actor said or did, in one sentence and the source's terms."
    )
    superseded_on = models.DateField(
        null=True,
        editable=False,
        help_text="When a later position of this actor on this proposal replaced it; empty while "
        "it is in force. Kept by proposals.supersession.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["superseded_on"])  # derived, not a claim

    class Meta:
        ordering = ["-stated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "actor", "stated_on"], name="one_position_per_actor_and_day"
            ),
            choices_check("stance", Stance, "position_stance_valid"),
        ]
        indexes = [
            models.Index(fields=["proposal", "actor", "stated_on"], name="position_idx"),
            # An actor's page lists its positions newest first.
            models.Index(fields=["actor", "stated_on"], name="position_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor}: {self.get_stance_display().lower()} ({self.stated_on:%Y-%m-%d})"

    @property
    def anchor(self) -> str:
        return f"position-{self.pk}"

    @property
    def cite_on(self) -> str:
        """What ?on= names it as, for a citation (proposals.views.editing.cited)."""
        return f"position:{self.pk}"


class Commitment(VersionedModel):
    """What an actor offers for a layer of a proposal, at one phase, as stated on a date."""

    Phase = Phase
    Unit = Unit

    layer = models.ForeignKey("Layer", on_delete=models.CASCADE, related_name="commitments")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="commitments")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    quantity = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="How many, if the source says; empty if not."
    )
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.TROOPS)
    stated_on = models.DateField(help_text="When it was pledged, planned, deployed or withdrawn.")
    note = models.TextField(blank=True)
    superseded_on = models.DateField(
        null=True,
        editable=False,
        help_text="When a later commitment of this actor to this layer, in this unit, replaced "
        "it; empty while it is in force. Kept by proposals.supersession.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["superseded_on"])  # derived, not a claim

    class Meta:
        ordering = ["-stated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "actor", "phase", "unit", "stated_on"],
                name="one_commitment_per_phase_unit_and_day",
            ),
            choices_check("phase", Phase, "commitment_phase_valid"),
            choices_check("unit", Unit, "commitment_unit_valid"),
        ]
        # An actor's page lists its commitments newest first.
        indexes = [models.Index(fields=["actor", "stated_on"], name="commitment_actor_idx")]

    def __str__(self) -> str:
        return f"{self.actor}: {self.amount} {self.get_phase_display().lower()}"

    @property
    def amount(self) -> str:
        """'2,000 troops', or the unit alone when the source gives no number."""
        unit = self.get_unit_display()
        return f"{self.quantity:,} {unit}" if self.quantity is not None else unit

    @property
    def anchor(self) -> str:
        return f"commitment-{self.pk}"

    @property
    def cite_on(self) -> str:
        return f"commitment:{self.pk}"
