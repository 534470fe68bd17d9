"""What the records share: code values, versioning, who counts as an analyst, small helpers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.text import slugify


def choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    ORGANISATION = "organisation", "International organisation"
    COALITION = "coalition", "Coalition"
    PERSON = "person", "Person"


class ProposalStatus(models.TextChoices):
    FLOATED = "floated", "Floated"
    UNDER_DISCUSSION = "under_discussion", "Under discussion"
    AGREED = "agreed", "Agreed"
    OPERATIONAL = "operational", "Operational"
    SHELVED = "shelved", "Shelved"


class PreconditionStatus(models.TextChoices):
    UNMET = "unmet", "Unmet"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"


class Stance(models.TextChoices):
    """An actor's stance on a proposal (CONTRACT's code values)."""

    PROPOSES = "proposes", "Proposes"
    SUPPORTS = "supports", "Supports"
    CONDITIONAL = "conditional", "Supports on conditions"
    UNDECIDED = "undecided", "Undecided"
    DECLINES = "declines", "Declines"
    OPPOSES = "opposes", "Opposes"


# "Proposed or supported by" everywhere: actors whose current stance is one of these.
BACKING = (Stance.PROPOSES, Stance.SUPPORTS)


class Phase(models.TextChoices):
    PLEDGED = "pledged", "Pledged"
    PLANNED = "planned", "Planned"
    DEPLOYED = "deployed", "Deployed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Unit(models.TextChoices):
    TROOPS = "troops", "troops"
    SHIPS = "ships", "ships"
    AIRCRAFT = "aircraft", "aircraft"
    DRONES = "drones", "drones"
    EUR = "eur", "EUR"
    OTHER = "other", "other"


class RelationKind(models.TextChoices):
    PART_OF = "part_of", "is part of"
    SAME_IDEA_AS = "same_idea_as", "is the same idea as"
    COMPETES_WITH = "competes_with", "competes with"
    SUPERSEDES = "supersedes", "supersedes"


class CitationKind(models.TextChoices):
    """How a citation renders its source: the exact words, or the source's meaning in ours."""

    QUOTE = "quote", "Quote"
    PARAPHRASE = "paraphrase", "Paraphrase"


class Confidence(models.TextChoices):
    """How sure the analyst is of a cited claim."""

    REPORTED = "reported", "Reported"
    CONFIRMED = "confirmed", "Confirmed by a second source"
    OFFICIAL = "official", "Official"


class SourceType(models.TextChoices):
    WIRE = "wire", "News agency"
    OFFICIAL = "official", "Official"
    PRESS = "press", "Press"
    ANALYSIS = "analysis", "Analysis"
    OTHER = "other", "Other"


class MandateSource(models.TextChoices):
    UNSC_CHAPTER_VI = "unsc_chapter_vi", "UN Security Council, Chapter VI"
    UNSC_CHAPTER_VII = "unsc_chapter_vii", "UN Security Council, Chapter VII"
    HOST_INVITATION = "host_invitation", "Invitation by the host state"
    COALITION_AGREEMENT = "coalition_agreement", "Coalition agreement"
    EU_DECISION = "eu_decision", "EU decision"
    OSCE_DECISION = "osce_decision", "OSCE decision"
    OTHER = "other", "Other"


class MissionPurpose(models.TextChoices):
    MONITOR_AND_VERIFY = "monitor_and_verify", "Monitor and verify"
    SEPARATE_FORCES = "separate_forces", "Separate forces"
    REASSURE_AND_DETER = "reassure_and_deter", "Reassure and deter"
    GUARANTEE = "guarantee", "Guarantee"


ANALYSTS_GROUP = "Analysts"


class VersionedModel(models.Model):
    """A record whose `version` rises on every save, so that a save based on an old copy is caught."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; a stale save is refused."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)


def is_analyst(user) -> bool:
    """Analysts are the members of the group Analysts; superusers can do everything they can."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_is_analyst"):
        user._is_analyst = user.groups.filter(name=ANALYSTS_GROUP).exists()
    return user._is_analyst


def short(text: str, words: int = 12) -> str:
    """The first words of `text`, without its closing full stop."""
    parts = text.rstrip(".").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def unique_slug(text: str, taken: set[str], max_length: int = 100) -> str:
    """A slug for `text` that is not in `taken`, with a numeric suffix when needed."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return slug
