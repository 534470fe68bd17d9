"""The published reports the records cite, and the quotations that support each claim."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .actors import Commitment, Position
from .base import VersionedModel
from .proposals import Layer, Precondition, Proposal
from .timeline import StatusChange

# What a citation may support: exactly one of these.
CLAIMS = ("proposal", "layer", "precondition", "position", "commitment", "status_change")


def exactly_one_claim() -> Q:
    return Q(
        *[
            Q(**{f"{name}__isnull": name != chosen for name in CLAIMS}, _connector=Q.AND)
            for chosen in CLAIMS
        ],
        _connector=Q.OR,
    )


class Source(models.Model):
    """A published report that the records cite."""

    publisher = models.CharField(max_length=200, help_text="E.g. 'dpa, carried by NAN'.")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True, verbose_name="URL")
    published_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.title}"


class Citation(VersionedModel):
    """A short quotation from a source, supporting exactly one claim: a proposal, a layer, a
    precondition, a position, a commitment or a status change."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField(max_length=1000, help_text="The exact words, kept short.")
    attributed_to = models.CharField(
        max_length=300, blank=True, help_text="Who said or wrote it, if not the publisher."
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    layer = models.ForeignKey(
        Layer, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    precondition = models.ForeignKey(
        Precondition, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    status_change = models.ForeignKey(
        StatusChange, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_claim(), name="citation_supports_exactly_one_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.quote[:60]}” ({self.source.publisher})"

    def clean(self) -> None:
        super().clean()
        if sum(bool(getattr(self, f"{name}_id")) for name in CLAIMS) != 1:
            raise ValidationError(
                "A citation supports exactly one thing: choose a proposal, a layer, a "
                "precondition, a position, a commitment or a status change."
            )

    @property
    def claim(self) -> models.Model:
        """What the citation supports."""
        return next(getattr(self, name) for name in CLAIMS if getattr(self, f"{name}_id"))
