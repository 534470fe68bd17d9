"""Proposals, their layers and preconditions, and the addresses they live at."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .actors import Actor
from .base import (
    MandateSource,
    MissionPurpose,
    PreconditionStatus,
    ProposalStatus,
    RelationKind,
    VersionedModel,
    choices_check,
    is_analyst,
    short,
    split_lines,
)


class ProposalQuerySet(models.QuerySet):
    def published(self) -> ProposalQuerySet:
        return self.filter(is_published=True)

    def visible_to(self, user) -> ProposalQuerySet:
        """Readers see published proposals; analysts also see drafts."""
        return self if is_analyst(user) else self.published()


class Proposal(VersionedModel):
    Status = ProposalStatus

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The proposal's permanent address: /proposals/<slug>/. It never changes.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FLOATED)
    summary = models.TextField(
        blank=True, help_text="What is proposed, and by whom, in plain words."
    )
    first_reported = models.DateField(
        "first in our sources",
        null=True,
        blank=True,
        help_text="The date the proposal first appears in the sources we hold.",
    )
    # Kept by proposals.writes from the positions: the actors whose latest stance on the proposal
    # is to propose or support it. Never edited directly.
    proponents = models.ManyToManyField(
        Actor,
        blank=True,
        related_name="proposals_backed",
        verbose_name="proposed or supported by",
        help_text="Actors whose current stance is to propose or support it (from their positions).",
    )
    # Mission design, each optional (explained on /about/).
    mandate_source = models.CharField(
        "mandate from",
        max_length=30,
        choices=MandateSource.choices,
        blank=True,
        help_text="Where the mission's mandate would come from.",
    )
    lead = models.CharField(
        "led by", max_length=200, blank=True, help_text="Who would lead it, as the source says."
    )
    purpose = models.CharField(
        max_length=30, choices=MissionPurpose.choices, blank=True, help_text="What it is for."
    )
    armed = models.BooleanField(
        null=True, blank=True, help_text="Whether the mission would be armed; empty if not said."
    )
    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Drafts are seen only by analysts, until one publishes them.",
    )
    # When an analyst last checked the whole record against the sources (marked it reviewed, or
    # published it); empty until then, whatever a command or an import loaded.
    reviewed_at = models.DateTimeField("last reviewed", null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="reviewed by",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # How many of its preconditions are met, in progress and unmet today; kept by
    # proposals.tallies, for the list's facet, filter and rows. (A default in the database too,
    # so that the release before these columns can still add proposals during an upgrade.)
    tally_met = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    tally_in_progress = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    tally_unmet = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    # How many of its claims no citation supports; kept by proposals.unsourced, for the
    # analysts' queue of unsourced claims.
    unsourced_claims = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    # Everything the proposal says, for full-text search; kept current by proposals.search.
    search_document = models.TextField(blank=True, editable=False)
    # Its English tsvector, stored so that ranking need not recompute it (PostgreSQL only;
    # an unused column on SQLite).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProposalQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[proponents],
        excluded_fields=[
            "search_document",
            "search_vector",
            "tally_met",
            "tally_in_progress",
            "tally_unmet",
            "unsourced_claims",
        ],
    )

    class Meta:
        ordering = ["-updated_at", "pk"]
        constraints = [choices_check("status", ProposalStatus, "proposal_status_valid")]
        # The list's sort orders.
        indexes = [
            models.Index(fields=["title", "id"], name="proposal_title_idx"),
            models.Index(fields=["status", "title", "id"], name="proposal_status_idx"),
            models.Index(fields=["first_reported", "id"], name="proposal_first_reported_idx"),
            # The list's status and precondition filters and counts, read from the index alone.
            models.Index(
                fields=["status", "is_published", "id", "tally_met", "tally_in_progress"]
                + ["tally_unmet"],
                name="proposal_status_published_idx",
            ),
            # As of a past day: which proposals had been reported then, and their status today
            # (where no dated change says otherwise), read from the index alone, not the wide rows.
            models.Index(
                fields=["is_published", "first_reported", "created_at", "id", "status"],
                name="proposal_reported_idx",
            ),
            # The workspace's queues: published proposals least recently reviewed first, and
            # drafts newest first.
            # (On PostgreSQL, which sorts NULL last, migration 0025 adds proposal_stale_idx
            # with the never reviewed first; SQLite has no NULLS FIRST in an index, and needs
            # none.)
            models.Index(
                fields=["reviewed_at", "title", "id"],
                condition=Q(is_published=True),
                name="proposal_review_idx",
            ),
            # The queue of unsourced claims, by title, its number of proposals and of claims,
            # read from the index alone.
            models.Index(
                fields=["title", "id", "unsourced_claims"],
                condition=Q(is_published=True, unsourced_claims__gt=0),
                name="proposal_unsourced_idx",
            ),
            models.Index(
                models.F("created_at").desc(),
                models.F("id").desc(),
                condition=Q(is_published=False),
                name="proposal_draft_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposal-detail", args=[self.slug])

    # The id of the record's block on the proposal page (views, templates and history agree).
    anchor = "proposal-header"

    def clean(self) -> None:
        super().clean()
        if self.slug and self._state.adding and RetiredSlug.objects.filter(slug=self.slug).exists():
            raise ValidationError(
                {"slug": "This address belonged to a deleted proposal; choose another one."}
            )


# Addresses the site itself uses below /proposals/.
RESERVED_SLUGS = {"new"}
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def new_proposal_slug_error(slug: str, retired: set[str] | None = None) -> str | None:
    """Why `slug` cannot be a new proposal's address (forms and imports ask alike), or None.

    An import passes the retired slugs it has loaded, and has matched the existing ones already.
    """
    max_length = Proposal._meta.get_field("slug").max_length
    if not slug:
        return "Give the proposal an address, e.g. 'un-observer-mission'."
    if len(slug) > max_length:
        return f"The address is {len(slug)} characters long; at most {max_length}."
    if not SLUG.fullmatch(slug):
        return "The address may hold only letters, digits, hyphens and underscores."
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is used by the site itself; choose another address."
    if retired is None and Proposal.objects.filter(slug=slug).exists():
        return f"Another proposal already lives at /proposals/{slug}/; choose another address."
    if retired is None:
        retired = set(RetiredSlug.objects.filter(slug=slug).values_list("slug", flat=True))
    if slug in retired:
        return f"/proposals/{slug}/ belonged to a deleted proposal and is never reused."
    return None


class ProposalRelation(VersionedModel):
    """How one proposal relates to another, shown on both proposals' pages."""

    Kind = RelationKind

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    other = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="related_from")
    note = models.TextField(blank=True, help_text="Why, in a sentence.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind", "other"], name="one_relation"),
            models.CheckConstraint(
                condition=~Q(proposal=models.F("other")), name="relation_not_to_itself"
            ),
            choices_check("kind", RelationKind, "relation_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} {self.get_kind_display()} {self.other}"

    @property
    def anchor(self) -> str:
        return f"relation-{self.pk}"

    @property
    def cite_on(self) -> str:
        return f"relation:{self.pk}"


class RetiredSlug(models.Model):
    """The slug of a deleted proposal, kept so that its address is never given to another."""

    slug = models.SlugField(max_length=100, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug


class LayerKind(models.Model):
    """A kind of monitoring or guarantee layer. Analysts may add kinds; the first five are seeded."""

    slug = models.SlugField(max_length=50, unique=True, help_text="Used in URLs and CSV files.")
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    display_order = models.PositiveSmallIntegerField(default=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class Layer(VersionedModel):
    """One layer of a proposal: what is done, where, with which assets and by whom."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="layers")
    # A kind in use cannot be deleted: that would silently drop layers from proposals.
    kind = models.ForeignKey(LayerKind, on_delete=models.PROTECT, related_name="layers")
    description = models.TextField(help_text="What this layer does.")
    area = models.CharField(
        max_length=300, blank=True, help_text="Area of operation, e.g. 'the Black Sea'."
    )
    assets = models.TextField(
        blank=True, help_text="Assets it relies on, one per line (satellites, drones, ships…)."
    )
    contributors = models.ManyToManyField(
        Actor, blank=True, related_name="layer_contributions", help_text="Who provides it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[contributors])

    class Meta:
        ordering = ["kind__display_order", "kind__name"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind"], name="one_layer_per_kind"),
        ]
        # The list's layer filter, from the index alone.
        indexes = [models.Index(fields=["kind", "proposal"], name="layer_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} layer of {self.proposal}"

    @property
    def anchor(self) -> str:
        return f"layer-{self.kind.slug}"

    @property
    def asset_list(self) -> list[str]:
        return split_lines(self.assets)

    def delete(self, *args, **kwargs):
        # Preconditions that concerned this layer lose it through save(), so that the change is
        # versioned and in their history (the database's SET NULL would do it silently).
        for precondition in self.preconditions.all():
            precondition.layer = None
            precondition.save()
        return super().delete(*args, **kwargs)


class Precondition(VersionedModel):
    """Something that must happen before a proposal can go ahead, and how far it has got."""

    Status = PreconditionStatus

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="preconditions")
    slug = models.SlugField(max_length=100, help_text="Unique within the proposal.")
    description = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNMET)
    # An actor who must act cannot vanish unnoticed: delete or reassign the precondition first.
    responsible = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
        help_text="Who must act for it to be met.",
    )
    # Deleting a layer keeps the precondition; it just no longer concerns a particular layer.
    layer = models.ForeignKey(
        Layer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="preconditions",
        help_text="The layer it concerns, if only one.",
    )
    depends_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependents",
        help_text="The precondition that must be met first.",
    )
    display_order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "slug"], name="precondition_slug_per_proposal"
            ),
            choices_check("status", PreconditionStatus, "precondition_status_valid"),
            models.CheckConstraint(
                condition=~Q(depends_on=models.F("pk")), name="precondition_not_own_dependency"
            ),
        ]
        # The list's precondition filter, and the statuses of given proposals' preconditions.
        indexes = [
            models.Index(fields=["status", "proposal"], name="precondition_status_idx"),
            models.Index(fields=["proposal", "status"], name="precondition_proposal_idx"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def anchor(self) -> str:
        return f"precondition-{self.slug}"

    @property
    def label(self) -> str:
        """The description, short: for a mention elsewhere on the page."""
        return short(self.description)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.layer_id and self.proposal_id and self.layer.proposal_id != self.proposal_id:
            errors["layer"] = "Choose a layer of the same proposal."
        if self.depends_on_id:
            if self.depends_on.proposal_id != self.proposal_id:
                errors["depends_on"] = "Choose a precondition of the same proposal."
            elif self.pk and self._depends_on_chain_reaches_self():
                errors["depends_on"] = "This would make the preconditions depend on each other."
        if errors:
            raise ValidationError(errors)

    def delete(self, *args, **kwargs):
        # As for layers: dependents forget this precondition visibly, in their history.
        for dependent in self.dependents.all():
            dependent.depends_on = None
            dependent.save()
        return super().delete(*args, **kwargs)

    def _depends_on_chain_reaches_self(self) -> bool:
        seen: set[int] = set()
        current = self.depends_on
        while current is not None and current.pk not in seen:
            if current.pk == self.pk:
                return True
            seen.add(current.pk)
            current = current.depends_on
        return False


@receiver(post_delete, sender=Proposal)
def retire_slug(sender: type[Proposal], instance: Proposal, **kwargs: object) -> None:
    RetiredSlug.objects.get_or_create(slug=instance.slug)


class Involvement(models.Model):
    """Who is involved in a proposal today: its proponents and its layers' contributors, one row
    per actor and proposal. Derived, not edited: proposals.involvement rewrites a proposal's rows
    whenever its backers or layers change, in the same transaction. The list's actor facet
    counts these rows instead of joining every backer and contributor on every count."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("Actor", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "actor"], name="one_involvement")
        ]
        indexes = [models.Index(fields=["actor", "proposal"], name="involvement_actor_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id} in {self.proposal_id}"


class InvolvementSpan(models.Model):
    """When an actor was involved in a proposal, for the picture of any past day: backing it
    (from the day a position to propose or support it was stated until the day the next
    position replaced it) or contributing to one of its layers (undated: `since` and `until`
    empty). At most one row of an actor and proposal is in force on any day. Derived, not
    edited: proposals.involvement rewrites a proposal's rows with its Involvement."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("Actor", on_delete=models.CASCADE, related_name="+")
    since = models.DateField(null=True)  # empty: always
    until = models.DateField(null=True)  # empty: still

    class Meta:
        indexes = [models.Index(fields=["actor", "proposal"], name="involvement_span_actor_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id} in {self.proposal_id} from {self.since} until {self.until}"
