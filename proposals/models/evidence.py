"""The published reports the records cite, and the quotations that support each claim."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .. import verbatim
from .actors import Commitment, Position
from .base import CitationKind, Confidence, SourceType, VersionedModel, choices_check
from .proposals import Layer, Precondition, Proposal, ProposalRelation
from .timeline import Event, StatusChange

# What a citation may support: exactly one of these.
CLAIMS = (
    "proposal",
    "layer",
    "precondition",
    "position",
    "commitment",
    "status_change",
    "event",
    "relation",
)


# From a citation to the proposal its claim belongs to (an event's: each proposal on whose timeline
# it is; a relation's: the proposal it is recorded on).
PROPOSAL_PATHS = {
    "proposal": "proposal",
    "layer": "layer__proposal",
    "precondition": "precondition__proposal",
    "position": "position__proposal",
    "commitment": "commitment__layer__proposal",
    "status_change": "status_change__proposal",
    "event": "event__proposals",
    "relation": "relation__proposal",
}


def of_proposal(lookup: str, value) -> Q:
    """Citations whose claim belongs to a proposal matching `lookup` (say "__slug") and `value`."""
    return Q(
        *[Q(**{f"{path}{lookup}": value}) for path in PROPOSAL_PATHS.values()], _connector=Q.OR
    )


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

    Type = SourceType

    publisher = models.CharField(max_length=200, help_text="E.g. 'dpa, carried by NAN'.")
    title = models.CharField(
        max_length=300,
        blank=True,
        help_text="The report's own headline; leave empty if it has none (never invent one).",
    )
    url = models.URLField(max_length=500, blank=True, verbose_name="URL")
    published_on = models.DateField(
        "publication date",
        null=True,
        blank=True,
        help_text="Empty when the report gives no date; say what is known below.",
    )
    date_note = models.CharField(
        "about the date",
        max_length=200,
        blank=True,
        help_text="E.g. 'the week of 25 March 2025; the report names no date'.",
    )
    language = models.CharField(
        max_length=35, default="en", help_text="The report's language, as a code: en, fr, uk, ru…"
    )
    source_type = models.CharField(
        "type", max_length=20, choices=SourceType.choices, default=SourceType.OTHER
    )
    text = models.TextField(
        "full text",
        blank=True,
        help_text="The report's text, if we may keep it: quotes are then checked against it.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
            choices_check("source_type", SourceType, "source_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.publisher}: {self.display_title}"

    def get_absolute_url(self) -> str:
        return reverse("source-detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        return self.title or "untitled report"


class Citation(VersionedModel):
    """What a source says in support of exactly one claim (a proposal, a layer, a precondition, a
    position, a commitment, a status change, an event or a relation): its exact words (a quote)
    or its meaning in ours (a paraphrase)."""

    Kind = CitationKind
    Confidence = Confidence

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    kind = models.CharField(
        max_length=20,
        choices=CitationKind.choices,
        default=CitationKind.QUOTE,
        help_text="A quote is the source's exact words; a paraphrase, its meaning in ours.",
    )
    text = models.TextField(
        max_length=1000,
        help_text="A quote: the exact words, kept short. A paraphrase: what the source says, "
        "hedges kept.",
    )
    speaker = models.CharField(
        "said by",
        max_length=300,
        blank=True,
        help_text="The person or body who said it, if not the publisher.",
    )
    said_on = models.DateField(
        null=True, blank=True, help_text="When it was said, if not the day of publication."
    )
    hedge = models.CharField(
        max_length=100,
        blank=True,
        help_text="The source's own hedge, as written: may, might, could, would…",
    )
    confidence = models.CharField(
        max_length=20, choices=Confidence.choices, default=Confidence.REPORTED
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
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    relation = models.ForeignKey(
        ProposalRelation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
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
            choices_check("kind", CitationKind, "citation_kind_valid"),
            choices_check("confidence", Confidence, "citation_confidence_valid"),
        ]

    def __str__(self) -> str:
        words = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        if self.kind == CitationKind.QUOTE:
            return f"“{words}” ({self.source.publisher})"
        return f"{words} (paraphrase, {self.source.publisher})"

    @property
    def is_quote(self) -> bool:
        return self.kind == CitationKind.QUOTE

    @property
    def shown_speaker(self) -> str:
        """Who said it, when that is not the publisher ("— dpa, in dpa" never appears)."""
        speaker = self.speaker.strip()
        publisher = self.source.publisher.strip().casefold()
        said_by = speaker.casefold()
        if (
            not said_by
            or publisher == said_by
            or publisher.startswith((f"{said_by},", f"{said_by} "))
        ):
            return ""
        return speaker

    def clean(self) -> None:
        super().clean()
        if sum(bool(getattr(self, f"{name}_id")) for name in CLAIMS) != 1:
            raise ValidationError(
                "A citation supports exactly one thing: choose a proposal, a layer, a "
                "precondition, a position, a commitment, a status change, an event or a relation."
            )
        if self.kind == CitationKind.QUOTE and self.source_id and self.text:
            if problem := verbatim.problem(self.text, self.source.text):
                raise ValidationError({"text": problem})
            if self.source.text.strip():  # stored as the source writes it
                self.text = verbatim.find(self.text, self.source.text)

    @property
    def claim(self) -> models.Model:
        """What the citation supports."""
        return next(getattr(self, name) for name in CLAIMS if getattr(self, f"{name}_id"))
