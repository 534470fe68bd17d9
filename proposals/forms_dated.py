"""Forms for who stands where and what happened when: positions, commitments, status changes, and
the relations between proposals. Each record is one per day (or per pair) as the CONTRACT says."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from .forms import ISO_DATE, VersionedForm
from .models import (
    Actor,
    Commitment,
    Layer,
    Position,
    PreconditionStatus,
    Proposal,
    ProposalRelation,
    ProposalStatus,
    StatusChange,
)

HEDGES = "One sentence in the source's terms; keep its hedges (may, could, would)."


def not_in_future(day: dt.date | None, what: str) -> dt.date | None:
    if day is not None and day > timezone.localdate():
        raise forms.ValidationError(f"{what} cannot be dated in the future: record what happened.")
    return day


class ProposalRecordForm(forms.ModelForm):
    """A record of one proposal, which must be unique within it on `unique_on` (with the
    proposal); the error names the field the analyst can change."""

    unique_on: tuple[str, ...] = ()
    duplicate = "This proposal already has one like it."

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if "actor" in self.fields:
            self.fields["actor"].queryset = Actor.objects.order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        values = {name: data.get(name) for name in self.unique_on}
        if all(value is not None for value in values.values()):
            taken = self.duplicates(values).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(self.unique_on[-1], self.duplicate)
        return data

    def duplicates(self, values: dict):
        return type(self.instance).objects.filter(proposal=self.proposal, **values)


class PositionForm(ProposalRecordForm):
    unique_on = ("actor", "stated_on")
    duplicate = "This actor has a position on that day already: edit that one instead."

    class Meta:
        model = Position
        fields = ["actor", "stance", "stated_on", "statement"]
        widgets = {
            "stated_on": forms.DateInput(**ISO_DATE),
            "statement": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"stated_on": "Since"}
        help_texts = {"statement": HEDGES}

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        self.instance.proposal = proposal

    def clean_stated_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["stated_on"], "A position")


class PositionEditForm(VersionedForm, PositionForm):
    class Meta(PositionForm.Meta):
        pass


class CommitmentForm(ProposalRecordForm):
    unique_on = ("layer", "actor", "phase", "unit", "stated_on")
    duplicate = (
        "This actor has a commitment of that phase and unit for this layer on that day already: "
        "edit that one instead."
    )

    class Meta:
        model = Commitment
        fields = ["layer", "actor", "phase", "quantity", "unit", "stated_on", "note"]
        widgets = {
            "stated_on": forms.DateInput(**ISO_DATE),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"stated_on": "On"}
        help_texts = {"note": HEDGES}

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        self.fields["layer"].queryset = Layer.objects.filter(proposal=proposal).select_related(
            "kind"
        )
        self.fields["layer"].label_from_instance = lambda layer: layer.kind.name
        self.fields["layer"].empty_label = "Choose a layer"

    def duplicates(self, values: dict):
        return Commitment.objects.filter(**values)

    def clean_stated_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["stated_on"], "A commitment")


class CommitmentEditForm(VersionedForm, CommitmentForm):
    class Meta(CommitmentForm.Meta):
        pass


class StatusChangeEditForm(VersionedForm, ProposalRecordForm):
    """A dated status change, corrected (its status, date or note) or deleted."""

    unique_on = ("changed_on",)
    duplicate = "There is a change of this status on that day already: edit that one instead."

    class Meta:
        model = StatusChange
        fields = ["status", "changed_on", "note"]
        widgets = {
            "changed_on": forms.DateInput(**ISO_DATE),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"changed_on": "On"}

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        statuses = PreconditionStatus if self.instance.precondition_id else ProposalStatus
        self.fields["status"] = forms.ChoiceField(choices=statuses.choices, label="Status")

    def duplicates(self, values: dict):
        return StatusChange.objects.filter(
            proposal=self.proposal, precondition_id=self.instance.precondition_id, **values
        )

    def clean_changed_on(self) -> dt.date:
        return not_in_future(self.cleaned_data["changed_on"], "A status change")


class RelationForm(ProposalRecordForm):
    unique_on = ("kind", "other")
    duplicate = "This relation is recorded already."

    class Meta:
        model = ProposalRelation
        fields = ["kind", "other", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        labels = {"kind": "This proposal", "other": "Proposal"}
        help_texts = {"note": "Why, in a sentence."}

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, proposal=proposal, **kwargs)
        self.instance.proposal = proposal
        self.fields["other"].queryset = Proposal.objects.exclude(pk=proposal.pk).order_by("title")


class RelationEditForm(VersionedForm, RelationForm):
    class Meta(RelationForm.Meta):
        pass
