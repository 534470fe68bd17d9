"""Forms for analysts' edits, and the rule that a save based on a stale copy is refused."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.text import slugify

from . import verbatim, writes
from .models import (
    Actor,
    Citation,
    Event,
    Layer,
    LayerKind,
    Precondition,
    Proposal,
    Source,
    VersionedModel,
    new_proposal_slug_error,
)

# Browsers' date pickers read and send ISO dates, whatever the site's language.
ISO_DATE = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}

MAX_ID = 2**63 - 1


class ActorsField(forms.ModelMultipleChoiceField):
    """Refuses ids no database row can have, which would otherwise crash the lookup."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or int(pk) > MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class VersionedForm(forms.ModelForm):
    """Carries the version of the record the analyst started from (proposals.writes checks it)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.fields["version"].required = not self.instance._state.adding


class DatedStatusForm(forms.ModelForm):
    """A form with `status`: it asks when a new status came about in the world, and records the
    change as a StatusChange (the record's status is then its latest change's)."""

    status_changed_on = forms.DateField(
        label="Status since",
        required=False,
        widget=forms.DateInput(**ISO_DATE),
        help_text="When the status changed in the world (today if left empty).",
    )
    status_note = forms.CharField(
        label="What changed it",
        required=False,
        max_length=500,
        help_text="Optional: what happened, in a sentence.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new = self.instance._state.adding
        self.fields["status_changed_on"].initial = timezone.localdate()

    def clean_status_changed_on(self) -> dt.date:
        day = self.cleaned_data["status_changed_on"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError("A status change cannot be dated in the future.")
        return day

    def save(self, commit: bool = True):
        saved = super().save(commit)
        if commit:
            self.record_status(saved)
        return saved

    def record_status(self, saved) -> None:
        """Record the new status as a dated change (the admin calls it after its own save)."""
        if not (self.new or "status" in self.changed_data):
            return
        precondition = saved if isinstance(saved, Precondition) else None
        writes.record_status_change(
            saved.proposal if precondition else saved,
            precondition,
            saved.status,
            self.cleaned_data.get("status_changed_on") or timezone.localdate(),
            self.cleaned_data.get("status_note", ""),
        )


MISSION_DESIGN = ["mandate_source", "lead", "purpose", "armed"]


class ProposalForm(DatedStatusForm):
    class Meta:
        model = Proposal
        fields = ["title", "slug", "status", "first_reported", "summary", *MISSION_DESIGN]
        widgets = {
            "first_reported": forms.DateInput(**ISO_DATE),
            "summary": forms.Textarea(attrs={"rows": 6}),
            "armed": forms.NullBooleanSelect,
        }
        labels = {"slug": "Address"}
        help_texts = {
            "slug": "Letters, numbers and hyphens; it becomes the address /proposals/<slug>/ "
            "and never changes. Leave empty to make it from the title.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
        self.fields["armed"].widget.choices = [
            ("unknown", "Not said"),
            ("true", "Armed"),
            ("false", "Unarmed"),
        ]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("title", ""))[:100]
        if error := new_proposal_slug_error(slug):
            raise forms.ValidationError(error)
        return slug


class ProposalEditForm(VersionedForm, ProposalForm):
    """The proposal's own fields; its address stays as it is, its backers follow the positions."""

    class Meta(ProposalForm.Meta):
        fields = ["title", "status", "first_reported", "summary", *MISSION_DESIGN]


class PublishForm(VersionedForm):
    """Publishing is a review too: the analyst who publishes has checked the record."""

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args, reviewer=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reviewer = reviewer

    def save(self, commit: bool = True) -> Proposal:
        self.instance.is_published = True
        if self.reviewer is not None:
            self.instance.reviewed_at = timezone.now()
            self.instance.reviewed_by = self.reviewer
        return super().save(commit)


class LayerForm(forms.ModelForm):
    class Meta:
        model = Layer
        fields = ["kind", "description", "area", "assets", "contributors"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "assets": forms.Textarea(attrs={"rows": 3}),
            "contributors": forms.SelectMultiple(attrs={"size": 6}),
        }
        field_classes = {"contributors": ActorsField}
        help_texts = {"contributors": "Hold Ctrl (⌘ on a Mac) to choose several."}

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.proposal = proposal
        self.fields["contributors"].queryset = Actor.objects.order_by("name")
        if "kind" in self.fields:
            taken = Layer.objects.filter(proposal=proposal).values("kind")
            self.fields["kind"].queryset = LayerKind.objects.exclude(pk__in=taken)
            self.fields["kind"].empty_label = "Choose a kind"

    def clean_kind(self) -> LayerKind:
        kind = self.cleaned_data["kind"]
        if Layer.objects.filter(proposal=self.instance.proposal, kind=kind).exists():
            raise forms.ValidationError(f"This proposal already has a {kind.name} layer.")
        return kind


class LayerEditForm(VersionedForm, LayerForm):
    class Meta(LayerForm.Meta):
        fields = ["description", "area", "assets", "contributors"]


class PreconditionForm(DatedStatusForm):
    class Meta:
        model = Precondition
        fields = ["description", "slug", "status", "responsible", "layer", "depends_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"slug": "Short name", "responsible": "Who must act"}
        help_texts = {
            "slug": "Unique within this proposal and used in CSV files, e.g. 'ceasefire'. Leave "
            "empty to make it from the description."
        }

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.proposal = proposal
        self.fields["responsible"].queryset = Actor.objects.order_by("name")
        self.fields["layer"].queryset = Layer.objects.filter(proposal=proposal).select_related(
            "kind"
        )
        others = Precondition.objects.filter(proposal=proposal)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["depends_on"].queryset = others
        self.fields["layer"].label_from_instance = lambda layer: layer.kind.name
        if "slug" in self.fields:
            self.fields["slug"].required = False

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"] or slugify(self.cleaned_data.get("description", ""))[:60]
        if not slug:
            raise forms.ValidationError("Give the precondition a short name, e.g. 'ceasefire'.")
        taken = Precondition.objects.filter(proposal=self.instance.proposal, slug=slug)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"This proposal already has a precondition called “{slug}”; choose another name."
            )
        return slug


class PreconditionEditForm(VersionedForm, PreconditionForm):
    class Meta(PreconditionForm.Meta):
        fields = ["description", "status", "responsible", "layer", "depends_on"]


class PreconditionStatusForm(VersionedForm, DatedStatusForm):
    class Meta:
        model = Precondition
        fields = ["status"]


class DeleteForm(VersionedForm):
    """Confirms the deletion of the version the analyst looked at."""

    class Meta:
        fields: list[str] = []


def delete_form(model: type[VersionedModel]) -> type[DeleteForm]:
    return forms.modelform_factory(model, form=DeleteForm, fields=[])


class CitationForm(forms.ModelForm):
    """What a source says for a claim, from a source on file or a new one described here.

    A quote must be the source's exact words when its full text is on file (proposals.verbatim);
    it is then stored as the source writes it.
    """

    new_source_publisher = forms.CharField(label="Publisher", max_length=200, required=False)
    new_source_title = forms.CharField(
        label="Headline",
        max_length=300,
        required=False,
        help_text="As published; leave empty if the report has none (it is then shown as "
        "“untitled report”).",
    )
    new_source_url = forms.URLField(
        label="Web address", max_length=500, required=False, assume_scheme="https"
    )
    new_source_published_on = forms.DateField(
        label="Publication date", required=False, widget=forms.DateInput(**ISO_DATE)
    )
    new_source_date_note = forms.CharField(
        label="About the date",
        max_length=200,
        required=False,
        help_text="When the report gives no exact date, what is known of it.",
    )
    new_source_source_type = forms.ChoiceField(
        label="Type of source",
        choices=Source.Type.choices,
        initial=Source.Type.OTHER,
        required=False,
    )
    new_source_language = forms.CharField(
        label="Language",
        max_length=35,
        initial="en",
        required=False,
        help_text="A code: en, fr, uk, ru…",
    )
    new_source_text = forms.CharField(
        label="Full text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: the report's text, against which quotes are checked.",
    )

    class Meta:
        model = Citation
        fields = ["kind", "text", "speaker", "said_on", "hedge", "confidence", "source"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "said_on": forms.DateInput(**ISO_DATE),
        }
        labels = {"text": "Words"}
        help_texts = {
            "text": "A quote: the exact words, without quotation marks. A paraphrase: what the "
            "source says, in our words, with its hedges (may, could…) kept.",
            "source": "A source on file, or leave this and describe a new one below.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].required = False
        self.fields["source"].queryset = Source.objects.order_by("publisher", "title")
        self.fields["source"].empty_label = "A new source (describe it below)"

    def groups(self) -> list[tuple[str, list]]:
        """The fields in fieldsets: what the source says, then the source it comes from."""
        new_source = [name for name in self.fields if name.startswith("new_source_")]
        return [
            ("", [self[name] for name in self._meta.fields]),
            ("New source", [self[name] for name in new_source]),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("source"):
            return data
        if not data.get("new_source_publisher"):
            raise forms.ValidationError(
                "Choose a source on file, or give the new source's publisher."
            )
        url = data.get("new_source_url")
        if url and Source.objects.filter(url=url).exists():
            self.add_error(
                "new_source_url", "A source with this web address is on file: choose it above."
            )
        text, full_text = data.get("text"), data.get("new_source_text") or ""
        if data.get("kind") == Citation.Kind.QUOTE and text:
            if problem := verbatim.problem(text, full_text):
                self.add_error("text", problem)
            elif full_text.strip():
                data["text"] = verbatim.find(text, full_text)
        return data

    def save(self, commit: bool = True) -> Citation:
        if not self.cleaned_data.get("source"):
            self.instance.source = Source.objects.create(
                **{
                    name: self.cleaned_data.get(f"new_source_{name}") or default
                    for name, default in [
                        ("publisher", ""),
                        ("title", ""),
                        ("url", ""),
                        ("published_on", None),
                        ("date_note", ""),
                        ("source_type", Source.Type.OTHER),
                        ("language", "en"),
                        ("text", ""),
                    ]
                }
            )
        return super().save(commit)


class EventForm(forms.ModelForm):
    """An event on a proposal's timeline; saved and linked to the proposal in one go."""

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal

    def save(self, commit: bool = True) -> Event:
        event = super().save(commit)
        event.proposals.add(self.proposal)
        return event

    class Meta:
        model = Event
        fields = ["date", "title", "place", "description"]
        widgets = {
            "date": forms.DateInput(**ISO_DATE),
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class BulkForm(forms.Form):
    """One action for the proposals an analyst ticked in a workspace queue; each ticked proposal
    comes with the version she saw (`version-<id>`), which its save is checked against."""

    ACTIONS = [
        ("publish", "Publish"),
        ("review", "Mark reviewed"),
        ("status", "Set status"),
    ]
    MAX_ROWS = 200

    action = forms.ChoiceField(choices=ACTIONS)
    proposals = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={
            "required": "Tick at least one proposal.",
            "invalid_choice": "The page is out of date: reload it and tick the proposals again.",
        },
    )
    status = forms.ChoiceField(
        label="New status", choices=[("", "—"), *Proposal.Status.choices], required=False
    )
    changed_on = forms.DateField(
        label="Since",
        required=False,
        widget=forms.DateInput(**ISO_DATE),
        help_text="When the status changed in the world (today if left empty).",
    )
    note = forms.CharField(label="What changed it", max_length=500, required=False)
    source = forms.ModelChoiceField(
        label="Source", queryset=Source.objects.order_by("publisher", "title"), required=False
    )
    citation_kind = forms.ChoiceField(
        label="The source's words are",
        choices=Citation.Kind.choices,
        initial="quote",
        required=False,
    )
    citation_text = forms.CharField(
        label="Words",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A quote: the exact words, without quotation marks. A paraphrase: what the "
        "source says, in our words, hedges kept.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Any id a row may carry; the rows themselves are looked up (and may be gone).
        values = self.data.getlist("proposals") if hasattr(self.data, "getlist") else []
        self.fields["proposals"].choices = [
            (value, value) for value in values if str(value).isdigit() and len(str(value)) < 19
        ]
        self.fields["changed_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        data = super().clean()
        ids = data.get("proposals") or []
        if len(ids) > self.MAX_ROWS:
            raise forms.ValidationError(f"Choose at most {self.MAX_ROWS} proposals at a time.")
        rows = []
        for pk in ids:
            version = str(self.data.get(f"version-{pk}", ""))
            if not version.isdigit() or len(version) > 9:
                raise forms.ValidationError(
                    "The page is out of date (a proposal came without its version): reload it."
                )
            rows.append((pk, int(version)))
        data["rows"] = rows
        if data.get("action") == "status":
            self.check_status_choice(data)
        return data

    def check_status_choice(self, data: dict) -> None:
        """A status needs the day it happened and a citation of the source that says so."""
        if not data.get("status"):
            self.add_error("status", "Choose the new status.")
        day = data.get("changed_on") or timezone.localdate()
        if day > timezone.localdate():
            self.add_error("changed_on", "A status change cannot be dated in the future.")
        data["changed_on"] = day
        if not data.get("source"):
            self.add_error("source", "Choose the source that reports the new status.")
        text = (data.get("citation_text") or "").strip()
        if not text:
            self.add_error("citation_text", "Give the source's words: a quote or a paraphrase.")
        if not data.get("citation_kind"):
            self.add_error("citation_kind", "Say whether the words are a quote or a paraphrase.")
        elif text and data.get("source") and data["citation_kind"] == Citation.Kind.QUOTE:
            if problem := verbatim.problem(text, data["source"].text):
                self.add_error("citation_text", problem)
            elif data["source"].text.strip():
                text = verbatim.find(text, data["source"].text)
        data["citation_text"] = text
