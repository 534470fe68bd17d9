"""What the site keeps about its own work: uploaded imports and the data version."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..prepared import Prepared
from .actors import Commitment, Position
from .evidence import Citation
from .proposals import Layer, Precondition, Proposal, ProposalRelation
from .timeline import Event, StatusChange


def proposal_id_of(instance: models.Model) -> int | None:
    """The proposal a record belongs to, if any (a citation's, through what it supports); asked
    of the database, so that it answers for records whose claim is being deleted too."""
    if isinstance(instance, Proposal):
        return instance.pk
    if isinstance(instance, (Layer, Precondition, Position, StatusChange, ProposalRelation)):
        return instance.proposal_id
    if isinstance(instance, Commitment):
        return by_id(Layer, instance.layer_id, "proposal_id")
    if isinstance(instance, Citation):
        if instance.proposal_id:
            return instance.proposal_id
        for name, model in [
            ("layer", Layer),
            ("precondition", Precondition),
            ("position", Position),
            ("status_change", StatusChange),
            ("relation", ProposalRelation),
        ]:
            if pk := getattr(instance, f"{name}_id"):
                return by_id(model, pk, "proposal_id")
        if instance.event_id:  # an event may concern several proposals: the first is locked
            return (
                Event.proposals.through.objects.filter(event_id=instance.event_id)
                .order_by("proposal_id")
                .values_list("proposal_id", flat=True)
                .first()
            )
        return by_id(Commitment, instance.commitment_id, "layer__proposal_id")
    return None


def by_id(model: type[models.Model], pk: int | None, field: str):
    return model.objects.filter(pk=pk).values_list(field, flat=True).first()


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
    """One number that rises with every change to the data, in the same transaction, and when.

    What is derived from the data (rendered public pages, facet counts, CSV blocks) is cached
    under it (proposals.cached), so that no server ever reads a cached figure older than the data
    it was computed from; `changed_at` is what public responses give as Last-Modified.
    """

    value = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data version {self.value}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("value", flat=True).first() or 0

    @classmethod
    def state(cls) -> tuple[int, dt.datetime | None]:
        """The version and when it was reached, in one query (every public request asks)."""
        rows = _STATE()
        return (rows[0].value, rows[0].changed_at) if rows else (0, None)

    @classmethod
    def bump(cls) -> None:
        # The time tells apart two versions of the same number when a transaction that raised
        # it was rolled back and another raised it again (the cache keys hold both).
        now = timezone.now()
        if not cls.objects.filter(pk=1).update(value=models.F("value") + 1, changed_at=now):
            cls.objects.get_or_create(pk=1, defaults={"value": 1, "changed_at": now})
        from ..cached import forget_version

        forget_version()


# Compiled once per process: the query costs less than Django's building it.
_STATE = Prepared(lambda: DataVersion.objects.filter(pk=1))


class WorkspaceVisit(models.Model):
    """When an analyst opened the workspace: its queue of others' changes starts at the visit
    before the current one, so that it stays put while she works through it."""

    # A visit this long after the last one starts a new one.
    NEW_AFTER = dt.timedelta(hours=1)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_visit"
    )
    started_at = models.DateTimeField()
    previous_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user}: workspace visit of {self.started_at:%Y-%m-%d %H:%M}"
