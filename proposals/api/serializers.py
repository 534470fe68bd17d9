"""What the API gives for each record: the CSV columns' names and codes where they overlap, dates
in ISO 8601, records named by their slugs. Read-only: nothing here ever saves.

The serializers read objects the views have loaded already (prefetched, annotated): none of them
asks the database anything.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from ..changes import record_type
from ..models import (
    ActorKind,
    CitationKind,
    Confidence,
    MandateSource,
    MissionPurpose,
    Phase,
    PreconditionStatus,
    ProposalStatus,
    RelationKind,
    SourceType,
    Stance,
    Unit,
)


def absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class ActorRefSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The actor's identifier (actors.csv `slug`).")
    name = serializers.CharField()


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    publisher = serializers.CharField()
    title = serializers.CharField(help_text="The report's own headline; empty if it has none.")
    url = serializers.CharField(help_text="Where the report was published; may be empty.")
    published_on = serializers.DateField(allow_null=True)
    date_note = serializers.CharField(help_text="What is known of the date, when it is not exact.")
    language = serializers.CharField()
    source_type = serializers.ChoiceField(choices=SourceType.choices)
    page_url = serializers.SerializerMethodField(help_text="The source's page on this site.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, source) -> str:
        return absolute(self, source.get_absolute_url())


class CitationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=CitationKind.choices,
        help_text="quote: the source's exact words; paraphrase: its meaning in our words "
        "(never to be shown in quotation marks).",
    )
    text = serializers.CharField()
    speaker = serializers.CharField(help_text="Who said it, if not the publisher; may be empty.")
    said_on = serializers.DateField(allow_null=True)
    hedge = serializers.CharField(help_text="The source's own hedge, as written (may, could…).")
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    source = SourceSerializer()


def citations() -> CitationSerializer:
    """The citations that support a record (the view sets them on it as `cited`)."""
    return CitationSerializer(many=True, source="cited", help_text="The sources that support it.")


class LayerSerializer(serializers.Serializer):
    kind = serializers.SlugField(source="kind.slug", help_text="The layer kind's code.")
    kind_name = serializers.CharField(source="kind.name")
    description = serializers.CharField()
    area = serializers.CharField()
    assets = serializers.ListField(child=serializers.CharField(), source="asset_list")
    contributors = ActorRefSerializer(many=True, source="contributors.all")
    citations = citations()


class PreconditionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=PreconditionStatus.choices)
    responsible = ActorRefSerializer(allow_null=True, help_text="Who must act for it to be met.")
    layer_kind = serializers.SlugField(
        source="layer.kind.slug", allow_null=True, help_text="The layer it concerns, if one."
    )
    depends_on = serializers.SlugField(
        source="depends_on.slug", allow_null=True, help_text="The precondition to be met first."
    )
    updated_at = serializers.DateTimeField()
    citations = citations()


class PositionSerializer(serializers.Serializer):
    actor = serializers.SlugField(source="actor.slug")
    actor_name = serializers.CharField(source="actor.name")
    stance = serializers.ChoiceField(choices=Stance.choices)
    stated_on = serializers.DateField()
    statement = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = citations()


class CommitmentSerializer(serializers.Serializer):
    actor = serializers.SlugField(source="actor.slug")
    actor_name = serializers.CharField(source="actor.name")
    layer_kind = serializers.SlugField(source="layer.kind.slug")
    phase = serializers.ChoiceField(choices=Phase.choices)
    quantity = serializers.IntegerField(allow_null=True, help_text="Empty if the source says none.")
    unit = serializers.ChoiceField(choices=Unit.choices)
    stated_on = serializers.DateField()
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = citations()


class StatusChangeSerializer(serializers.Serializer):
    precondition_slug = serializers.SlugField(
        source="precondition.slug",
        allow_null=True,
        help_text="Empty (null) for a change of the proposal's own status.",
    )
    status = serializers.CharField(
        help_text="A proposal status, or a precondition status when precondition_slug is set."
    )
    changed_on = serializers.DateField()
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()
    citations = citations()


class RelationSerializer(serializers.Serializer):
    proposal = serializers.SlugField(source="proposal.slug", help_text="The proposal it is from.")
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    other = serializers.SlugField(source="other.slug", help_text="The proposal it is to.")
    note = serializers.CharField()
    citations = citations()


class EventSerializer(serializers.Serializer):
    date = serializers.DateField()
    title = serializers.CharField()
    place = serializers.CharField()
    description = serializers.CharField()
    citations = citations()


class ProposalSummarySerializer(serializers.Serializer):
    """A row of /api/proposals/: the columns of proposals.csv."""

    slug = serializers.SlugField(help_text="The proposal's permanent identifier.")
    title = serializers.CharField()
    status = serializers.ChoiceField(
        choices=ProposalStatus.choices, help_text="As of the day asked for, with as_of."
    )
    proponents = ActorRefSerializer(
        many=True, source="backers", help_text="Whose stance is to propose or support it."
    )
    summary = serializers.CharField()
    first_reported = serializers.DateField(
        allow_null=True, help_text="The date it first appears in the sources we hold."
    )
    layer_kinds = serializers.SerializerMethodField()
    preconditions_met = serializers.IntegerField()
    preconditions_total = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The proposal's page on this site.")
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_layer_kinds(self, proposal) -> list[str]:
        return [kind.slug for kind in proposal.layer_kinds]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, proposal) -> str:
        return absolute(self, proposal.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, proposal) -> str:
        return reverse("api-proposal", args=[proposal.slug], request=self.context.get("request"))


class ProposalSerializer(ProposalSummarySerializer):
    """One proposal with everything recorded on it (as known on a day, with as_of)."""

    layer_kinds = None  # its layers say it
    mandate_source = serializers.ChoiceField(choices=MandateSource.choices, allow_blank=True)
    lead = serializers.CharField(help_text="Who would lead it, as the source says; may be empty.")
    purpose = serializers.ChoiceField(choices=MissionPurpose.choices, allow_blank=True)
    armed = serializers.BooleanField(allow_null=True, help_text="Null when the sources do not say.")
    history_url = serializers.SerializerMethodField()
    feed_url = serializers.SerializerMethodField()
    as_of = serializers.DateField(
        allow_null=True, help_text="The day of the picture, or null for today's."
    )
    layers = LayerSerializer(many=True)
    preconditions = PreconditionSerializer(many=True)
    positions = PositionSerializer(many=True)
    commitments = CommitmentSerializer(many=True)
    status_changes = StatusChangeSerializer(many=True)
    relations = RelationSerializer(many=True)
    events = EventSerializer(many=True)
    citations = citations()

    @extend_schema_field(OpenApiTypes.URI)
    def get_history_url(self, proposal) -> str:
        return absolute(self, reverse("proposal-history", args=[proposal.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_feed_url(self, proposal) -> str:
        return absolute(self, reverse("proposal-feed", args=[proposal.slug]))


class ActorSerializer(serializers.Serializer):
    """A row of /api/actors/: the columns of actors.csv."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActorKind.choices)
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, actor) -> str:
        return absolute(self, reverse("actor-detail", args=[actor.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, actor) -> str:
        return reverse("api-actor", args=[actor.slug], request=self.context.get("request"))


class ActorPositionSerializer(PositionSerializer):
    """An actor's position, with the proposal it is on."""

    proposal_slug = serializers.SlugField(source="proposal.slug")
    proposal_title = serializers.CharField(source="proposal.title")


class ActorCommitmentSerializer(CommitmentSerializer):
    proposal_slug = serializers.SlugField(source="layer.proposal.slug")
    proposal_title = serializers.CharField(source="layer.proposal.title")


class ListPartSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)


class ActorPositionsSerializer(ListPartSerializer):
    results = ActorPositionSerializer(many=True)


class ActorCommitmentsSerializer(ListPartSerializer):
    results = ActorCommitmentSerializer(many=True)


class ActorDetailSerializer(ActorSerializer):
    """An actor with its positions and commitments on published proposals, newest first, a page
    of each (?positions_page=, ?commitments_page=)."""

    as_of = serializers.DateField(allow_null=True)
    positions = ActorPositionsSerializer()
    commitments = ActorCommitmentsSerializer()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="name", help_text="The field's name.")
    label = serializers.CharField(source="field", help_text="What the history page calls it.")
    old = serializers.JSONField(
        source="old_value", help_text="Codes as stored, dates in ISO 8601, records by name."
    )
    new = serializers.JSONField(source="new_value")


class ChangeSerializer(serializers.Serializer):
    """One entry of the public history of a published proposal."""

    id = serializers.CharField(source="entry.key", help_text="Stable; the history page's anchor.")
    proposal = serializers.SlugField(source="proposal.slug")
    proposal_title = serializers.CharField(source="proposal.title")
    record = serializers.SerializerMethodField(help_text="The kind of record that changed.")
    subject = serializers.CharField(source="entry.subject", help_text="The record, in words.")
    action = serializers.ChoiceField(
        source="entry.action",
        choices=["created", "changed", "deleted", "published", "marked reviewed"],
    )
    # To the microsecond, so that it can be passed back as `before` or `since`.
    changed_at = serializers.DateTimeField(source="entry.when", format="%Y-%m-%dT%H:%M:%S.%fZ")
    by = serializers.CharField(
        source="entry.who", help_text="The analyst's name as the history page gives it."
    )
    changes = FieldChangeSerializer(many=True, source="entry.changes")
    url = serializers.SerializerMethodField(help_text="The entry on the proposal's history page.")

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[
                "proposal",
                "layer",
                "precondition",
                "position",
                "commitment",
                "status_change",
                "relation",
                "citation",
            ]
        )
    )
    def get_record(self, change) -> str:
        return record_type(change.entry)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, change) -> str:
        return absolute(self, change.url)


class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next, older page; null at the end.")
    results = ChangeSerializer(many=True)
