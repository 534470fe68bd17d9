"""The domain: proposals for monitoring a ceasefire, their layers, preconditions, backers and sources.

Code values (statuses, layer kind slugs) are part of the public contract (CONTRACT.md): they appear in
URLs and CSV files, and the database refuses any other value.
"""

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
from django.utils.text import slugify
from simple_history.models import HistoricalRecords


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
        null=True, blank=True, help_text="The date the proposal was first reported."
    )
    proponents = models.ManyToManyField(
        Actor, blank=True, related_name="proposals_backed", help_text="Who backs the proposal."
    )
    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Drafts are seen only by analysts, until one publishes them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # Everything the proposal says, for full-text search; kept current by proposals.search.
    search_document = models.TextField(blank=True, editable=False)
    # Its English tsvector, stored so that ranking need not recompute it (PostgreSQL only;
    # an unused column on SQLite).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProposalQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[proponents], excluded_fields=["search_document", "search_vector"]
    )

    class Meta:
        ordering = ["-updated_at", "pk"]
        constraints = [choices_check("status", ProposalStatus, "proposal_status_valid")]
        # The list's sort orders.
        indexes = [
            models.Index(fields=["title", "id"], name="proposal_title_idx"),
            models.Index(fields=["status", "title", "id"], name="proposal_status_idx"),
            models.Index(fields=["first_reported", "id"], name="proposal_first_reported_idx"),
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

    def __str__(self) -> str:
        return self.description

    @property
    def anchor(self) -> str:
        return f"precondition-{self.slug}"

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
    """A short quotation from a source, supporting exactly one proposal, layer or precondition."""

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(proposal__isnull=False, layer__isnull=True, precondition__isnull=True)
                    | Q(proposal__isnull=True, layer__isnull=False, precondition__isnull=True)
                    | Q(proposal__isnull=True, layer__isnull=True, precondition__isnull=False)
                ),
                name="citation_supports_exactly_one_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.quote[:60]}” ({self.source.publisher})"

    def clean(self) -> None:
        super().clean()
        if sum(bool(x) for x in (self.proposal_id, self.layer_id, self.precondition_id)) != 1:
            raise ValidationError(
                "A citation supports exactly one thing: choose a proposal, a layer or a precondition."
            )

    @property
    def claim(self) -> Proposal | Layer | Precondition:
        """What the citation supports."""
        return self.layer or self.precondition or self.proposal


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


def proposal_id_of(instance: models.Model) -> int | None:
    """The proposal a record belongs to, if any (a citation's, through what it supports)."""
    if isinstance(instance, Proposal):
        return instance.pk
    if isinstance(instance, (Layer, Precondition)):
        return instance.proposal_id
    if isinstance(instance, Citation):
        if instance.proposal_id:
            return instance.proposal_id
        related = Layer if instance.layer_id else Precondition
        related_id = instance.layer_id or instance.precondition_id
        return related.objects.filter(pk=related_id).values_list("proposal_id", flat=True).first()
    return None


class ImportBatch(models.Model):
    """An uploaded CSV file between its preview and its application."""

    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # The version of every record the file names, as the preview saw it (None: not on file yet);
    # Apply refuses if any has moved since.
    versions = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class DataVersion(models.Model):
    """One number that rises with every change to the data, in the same transaction.

    Derived figures (the list's facet counts) are cached under it, so that a cached figure is
    never older than the data it was computed from, in any process.
    """

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"data version {self.value}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(value=models.F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 1})


@receiver(post_delete, sender=Proposal)
def retire_slug(sender: type[Proposal], instance: Proposal, **kwargs: object) -> None:
    RetiredSlug.objects.get_or_create(slug=instance.slug)
