from contextlib import nullcontext

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Q
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from . import writes
from .forms import DatedStatusForm, VersionedForm
from .models import (
    Actor,
    Citation,
    Commitment,
    Event,
    Layer,
    LayerKind,
    Position,
    Precondition,
    PreconditionStatus,
    Proposal,
    ProposalRelation,
    RetiredSlug,
    Source,
    StatusChange,
    VersionedModel,
    proposal_id_of,
)


def titled(filter_class: type[admin.FieldListFilter], title: str) -> type[admin.FieldListFilter]:
    """A list filter with a clearer title than the field's name (two filters would say "status")."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class VersionedAdminForm(VersionedForm):
    """The editing views' versioned form; here the check runs as the form is cleaned, inside the
    admin's transaction, so that a conflict comes back as an error above the analyst's input and
    the lock it takes holds until the save."""

    class Meta:
        exclude = ["version"]  # the model's own field is not editable; the form's hidden one is

    def clean(self) -> dict:
        data = super().clean()
        expected = data.get("version")
        deleting = bool(data.get("DELETE"))
        if self.instance.pk and expected is not None and (self.has_changed() or deleting):
            try:
                writes.lock_version(self.instance, expected)
            except writes.Conflict as conflict:
                raise forms.ValidationError(conflict_message(self.instance, conflict)) from None
        return data


class DatedStatusAdminForm(VersionedAdminForm, DatedStatusForm):
    """A proposal's or precondition's admin form: a new status is recorded as a dated change."""


def conflict_message(instance: VersionedModel, conflict: writes.Conflict) -> str:
    name = instance._meta.verbose_name
    if conflict.current is None:
        return f"Someone deleted this {name} after you opened it, so there is nothing to save."
    who = ", ".join(conflict.since.editors) if conflict.since else ""
    what = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in conflict.since.changes)
    return (
        f"{capfirst(who) or 'Someone'} changed this {name} after you opened it"
        f"{f' ({what})' if what else ''}. Nothing was saved; your input is kept. Compare it with "
        "their change (open the page again in another tab), then save again to apply yours: the "
        "form now carries their version."
    )


class WriteAdmin(SimpleHistoryAdmin):
    """Every change made in the admin goes through proposals.writes, as the editing views' do:
    the proposal is locked first, then the records, the data version last; versioned records are
    saved only at the version the analyst opened."""

    def writing(self, request, object_id=None):
        """For a POST, one change through proposals.writes; reading pages lock nothing."""
        if request.method != "POST":
            return nullcontext()
        obj = self.get_object(request, object_id) if object_id else None
        return writes.change(request.user, writes.concerned(obj) if obj is not None else [])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with self.writing(request, object_id):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with self.writing(request, object_id):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        with self.writing(request):
            return super().changelist_view(request, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        with self.writing(request, object_id):
            return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description="Version")
    def record_version(self, obj) -> int:
        return obj.version

    def save_model(self, request, obj, form, change) -> None:
        expected = form.cleaned_data.get("version") if change else None

        def save():
            super(WriteAdmin, self).save_model(request, obj, form, change)
            if isinstance(form, DatedStatusForm):
                form.record_status(obj)
            return obj

        if isinstance(obj, VersionedModel) and expected is not None:
            writes.save(obj, expected, request.user, save)
        else:
            writes.create(request.user, proposal_id_of(obj), save, writes.concerned(obj))

    def delete_model(self, request, obj) -> None:
        writes.delete(obj, None, request.user)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            writes.delete(obj, None, request.user)

    def save_formset(self, request, form, formset, change) -> None:
        forms_of = {id(f.instance): f for f in formset.forms if getattr(f, "cleaned_data", None)}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            writes.delete(obj, forms_of[id(obj)].cleaned_data.get("version"), request.user)
        for obj in instances:
            self.save_inline(request, obj, forms_of.get(id(obj)))
        formset.save_m2m()

    def save_inline(self, request, obj, form) -> None:
        def save():
            obj.save()
            if isinstance(form, DatedStatusForm):
                form.record_status(obj)
            return obj

        version = form.cleaned_data.get("version") if form is not None else None
        if obj.pk and version is not None:
            writes.save(obj, version, request.user, save)
        else:
            writes.create(request.user, proposal_id_of(obj), save, writes.concerned(obj))


class CitationInline(admin.TabularInline):
    model = Citation
    form = VersionedAdminForm
    fields = ["source", "kind", "text", "speaker", "said_on", "hedge", "confidence", "version"]
    autocomplete_fields = ["source"]
    extra = 0


class ProposalCitationInline(CitationInline):
    fk_name = "proposal"
    verbose_name_plural = "Citations supporting the proposal"


class LayerInline(admin.StackedInline):
    model = Layer
    form = VersionedAdminForm
    fields = ["kind", "description", "area", "assets", "contributors", "version"]
    autocomplete_fields = ["contributors"]
    extra = 0
    show_change_link = True


class PreconditionInline(admin.StackedInline):
    model = Precondition
    form = DatedStatusAdminForm
    fk_name = "proposal"
    fields = [
        ("slug", "status", "status_changed_on", "display_order"),
        "description",
        ("responsible", "layer", "depends_on"),
        "version",
    ]
    autocomplete_fields = ["responsible"]
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the layers and preconditions of the proposal being edited.
        if db_field.name in {"layer", "depends_on"}:
            proposal_id = request.resolver_match.kwargs.get("object_id")
            model = Layer if db_field.name == "layer" else Precondition
            related = model.objects.filter(proposal_id=proposal_id)
            kwargs["queryset"] = related.select_related("kind") if model is Layer else related
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PositionInline(admin.TabularInline):
    model = Position
    form = VersionedAdminForm
    fields = ["actor", "stance", "stated_on", "statement", "version"]
    autocomplete_fields = ["actor"]
    extra = 0
    show_change_link = True


class RelationInline(admin.TabularInline):
    model = ProposalRelation
    form = VersionedAdminForm
    fk_name = "proposal"
    fields = ["kind", "other", "note", "version"]
    autocomplete_fields = ["other"]
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(WriteAdmin):
    form = DatedStatusAdminForm
    list_display = [
        "title",
        "status",
        "is_published",
        "first_reported",
        "layer_count",
        "met",
        "updated_at",
    ]
    list_filter = [
        "status",
        "is_published",
        ("layers__kind", titled(admin.RelatedFieldListFilter, "layer kind")),
        ("preconditions__status", titled(admin.ChoicesFieldListFilter, "precondition status")),
        "first_reported",
    ]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["backed_by", "record_version", "created_at", "updated_at"]
    date_hierarchy = "first_reported"
    inlines = [
        LayerInline,
        PreconditionInline,
        PositionInline,
        RelationInline,
        ProposalCitationInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    ("status", "status_changed_on", "status_note"),
                    "is_published",
                    "first_reported",
                    "backed_by",
                    "summary",
                    "version",
                ]
            },
        ),
        ("Mission design", {"fields": ["mandate_source", "lead", "purpose", "armed"]}),
        (
            "Record",
            {"fields": ["record_version", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_layers=Count("layers", distinct=True),
                n_met=Count(
                    "preconditions",
                    filter=Q(preconditions__status=PreconditionStatus.MET),
                    distinct=True,
                ),
                n_preconditions=Count("preconditions", distinct=True),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # A published address never changes: bookmarks and exports depend on it.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    @admin.display(description="Proposed or supported by")
    def backed_by(self, obj) -> str:
        names = ", ".join(actor.name for actor in obj.proponents.all()) if obj.pk else ""
        return f"{names or '—'} (from the positions below)"

    @admin.display(description="Layers", ordering="n_layers")
    def layer_count(self, obj):
        return obj.n_layers

    @admin.display(description="Preconditions met")
    def met(self, obj):
        return f"{obj.n_met} of {obj.n_preconditions}"


class CommitmentInline(admin.TabularInline):
    model = Commitment
    form = VersionedAdminForm
    fields = ["actor", "phase", "quantity", "unit", "stated_on", "note", "version"]
    autocomplete_fields = ["actor"]
    extra = 0
    show_change_link = True


class LayerCitationInline(CitationInline):
    fk_name = "layer"


class StaysOnItsProposal:
    """A record's proposal is chosen when it is added and kept: moving a claim to another
    proposal would leave what is kept beside the first (its search document, tallies, spans and
    who is involved) describing it. Delete it and add it to the other instead."""

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "proposal"] if obj else self.readonly_fields


@admin.register(Layer)
class LayerAdmin(StaysOnItsProposal, WriteAdmin):
    form = VersionedAdminForm
    fields = [
        "proposal",
        "kind",
        "description",
        "area",
        "assets",
        "contributors",
        "version",
        "record_version",
        "updated_at",
    ]
    list_display = ["proposal", "kind", "area", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["proposal", "kind"]
    search_fields = ["proposal__title", "description", "area", "assets"]
    autocomplete_fields = ["proposal", "contributors"]
    readonly_fields = ["record_version", "created_at", "updated_at"]
    inlines = [CommitmentInline, LayerCitationInline]


class PreconditionCitationInline(CitationInline):
    fk_name = "precondition"


@admin.register(Precondition)
class PreconditionAdmin(StaysOnItsProposal, WriteAdmin):
    form = DatedStatusAdminForm
    list_display = ["description", "proposal", "status", "responsible", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["proposal", "responsible"]
    search_fields = ["description", "slug", "proposal__title"]
    autocomplete_fields = ["proposal", "responsible", "layer", "depends_on"]
    readonly_fields = ["record_version", "created_at", "updated_at"]
    inlines = [PreconditionCitationInline]


@admin.register(Position)
class PositionAdmin(WriteAdmin):
    form = VersionedAdminForm
    list_display = ["actor", "stance", "proposal", "stated_on"]
    list_filter = ["stance"]
    list_select_related = ["actor", "proposal"]
    search_fields = ["actor__name", "proposal__title", "statement"]
    autocomplete_fields = ["proposal", "actor"]
    date_hierarchy = "stated_on"


@admin.register(Commitment)
class CommitmentAdmin(WriteAdmin):
    form = VersionedAdminForm
    list_display = ["actor", "phase", "quantity", "unit", "layer", "stated_on"]
    list_filter = ["phase", "unit"]
    list_select_related = ["actor", "layer__kind", "layer__proposal"]
    search_fields = ["actor__name", "layer__proposal__title", "note"]
    autocomplete_fields = ["layer", "actor"]
    date_hierarchy = "stated_on"


@admin.register(StatusChange)
class StatusChangeAdmin(WriteAdmin):
    form = VersionedAdminForm
    list_display = ["proposal", "precondition", "status", "changed_on"]
    list_select_related = ["proposal", "precondition"]
    search_fields = ["proposal__title", "note"]
    autocomplete_fields = ["proposal", "precondition"]
    date_hierarchy = "changed_on"


@admin.register(ProposalRelation)
class ProposalRelationAdmin(WriteAdmin):
    form = VersionedAdminForm
    list_display = ["proposal", "kind", "other"]
    list_filter = ["kind"]
    list_select_related = ["proposal", "other"]
    autocomplete_fields = ["proposal", "other"]


@admin.register(LayerKind)
class LayerKindAdmin(WriteAdmin):
    list_display = ["name", "slug", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Actor)
class ActorAdmin(WriteAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class SourceCitationInline(CitationInline):
    fields = [
        "kind",
        "text",
        "speaker",
        "confidence",
        "proposal",
        "layer",
        "precondition",
        "version",
    ]
    autocomplete_fields = ["proposal", "layer", "precondition"]


@admin.register(Source)
class SourceAdmin(WriteAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "source_type", "published_on", "language"]
    list_filter = ["source_type", "language"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published_on"
    inlines = [SourceCitationInline]


@admin.register(Citation)
class CitationAdmin(WriteAdmin):
    form = VersionedAdminForm
    list_display = ["__str__", "kind", "speaker", "confidence", "source"]
    list_filter = ["kind", "confidence"]
    list_select_related = ["source"]
    search_fields = ["text", "speaker", "source__title", "source__publisher"]
    autocomplete_fields = ["source", "proposal", "layer", "precondition"]
    raw_id_fields = ["position", "commitment", "status_change", "event", "relation"]


@admin.register(Event)
class EventAdmin(WriteAdmin):
    list_display = ["date", "title", "place"]
    search_fields = ["title", "place", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["proposals"]


@admin.register(RetiredSlug)
class RetiredSlugAdmin(admin.ModelAdmin):
    list_display = ["slug", "retired_at"]
    search_fields = ["slug"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
