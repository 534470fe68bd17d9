from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from simple_history.admin import SimpleHistoryAdmin

from .history import changes_since
from .models import (
    Actor,
    Citation,
    Event,
    Layer,
    LayerKind,
    Precondition,
    PreconditionStatus,
    Proposal,
    RetiredSlug,
    Source,
)


def titled(filter_class: type[admin.FieldListFilter], title: str) -> type[admin.FieldListFilter]:
    """A list filter with a clearer title than the field's name (two filters would say "status")."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class VersionCheckedForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was opened."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version

    def clean(self) -> dict:
        data = super().clean()
        expected = data.get("loaded_version")
        if self.instance.pk and expected is None and self.add_prefix("loaded_version") in self.data:
            raise forms.ValidationError("This form is out of date: reload the page.")
        if self.instance.pk and expected is not None:
            model = type(self.instance)
            current = model.objects.filter(pk=self.instance.pk).first()
            if current is not None and current.version != expected:
                since = changes_since(current, expected)
                who = ", ".join(since.editors) or "Someone"
                what = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in since.changes)
                raise forms.ValidationError(
                    f"{who} changed this {model._meta.verbose_name} after you opened it"
                    f"{f' ({what})' if what else ''}. Nothing was saved: reload the page to see "
                    "their change, then apply yours again."
                )
        return data


class VersionCheckedAdmin(SimpleHistoryAdmin):
    """Checks the version again under a row lock as it saves: two simultaneous saves of one
    record cannot both pass the form's check."""

    def save_model(self, request, obj, form, change) -> None:
        expected = form.cleaned_data.get("loaded_version")
        if change and expected is not None:
            current = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
            if current is None or current.version != expected:
                raise PermissionDenied(
                    "Someone saved this record while you were saving it; nothing of yours was "
                    "saved. Go back, reload the page and apply your change again."
                )
            obj.version = current.version
        super().save_model(request, obj, form, change)


class CitationInline(admin.TabularInline):
    model = Citation
    fields = ["source", "quote", "attributed_to"]
    autocomplete_fields = ["source"]
    extra = 0


class ProposalCitationInline(CitationInline):
    fk_name = "proposal"
    verbose_name_plural = "Citations supporting the proposal"


class LayerInline(admin.StackedInline):
    model = Layer
    form = VersionCheckedForm
    fields = ["kind", "description", "area", "assets", "contributors", "loaded_version"]
    autocomplete_fields = ["contributors"]
    extra = 0
    show_change_link = True


class PreconditionInline(admin.StackedInline):
    model = Precondition
    form = VersionCheckedForm
    fk_name = "proposal"
    fields = [
        ("slug", "status", "display_order"),
        "description",
        ("responsible", "layer", "depends_on"),
        "loaded_version",
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


@admin.register(Proposal)
class ProposalAdmin(VersionCheckedAdmin):
    form = VersionCheckedForm
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
    autocomplete_fields = ["proponents"]
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "first_reported"
    inlines = [LayerInline, PreconditionInline, ProposalCitationInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "status",
                    "is_published",
                    "first_reported",
                    "proponents",
                    "summary",
                    "loaded_version",
                ]
            },
        ),
        ("Record", {"fields": ["version", "created_at", "updated_at"], "classes": ["collapse"]}),
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

    @admin.display(description="Layers", ordering="n_layers")
    def layer_count(self, obj):
        return obj.n_layers

    @admin.display(description="Preconditions met")
    def met(self, obj):
        return f"{obj.n_met} of {obj.n_preconditions}"


class LayerCitationInline(CitationInline):
    fk_name = "layer"


@admin.register(Layer)
class LayerAdmin(VersionCheckedAdmin):
    form = VersionCheckedForm
    fields = [
        "proposal",
        "kind",
        "description",
        "area",
        "assets",
        "contributors",
        "loaded_version",
        "version",
        "updated_at",
    ]
    list_display = ["proposal", "kind", "area", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["proposal", "kind"]
    search_fields = ["proposal__title", "description", "area", "assets"]
    autocomplete_fields = ["proposal", "contributors"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [LayerCitationInline]


class PreconditionCitationInline(CitationInline):
    fk_name = "precondition"


@admin.register(Precondition)
class PreconditionAdmin(VersionCheckedAdmin):
    form = VersionCheckedForm
    list_display = ["description", "proposal", "status", "responsible", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["proposal", "responsible"]
    search_fields = ["description", "slug", "proposal__title"]
    autocomplete_fields = ["proposal", "responsible", "layer", "depends_on"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [PreconditionCitationInline]


@admin.register(LayerKind)
class LayerKindAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class SourceCitationInline(CitationInline):
    fields = ["quote", "attributed_to", "proposal", "layer", "precondition"]
    autocomplete_fields = ["proposal", "layer", "precondition"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "publisher", "published_on"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published_on"
    inlines = [SourceCitationInline]


@admin.register(Citation)
class CitationAdmin(SimpleHistoryAdmin):
    list_display = ["quote", "source", "attributed_to"]
    list_select_related = ["source"]
    search_fields = ["quote", "attributed_to", "source__title"]
    autocomplete_fields = ["source", "proposal", "layer", "precondition"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
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
