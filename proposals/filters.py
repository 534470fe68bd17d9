"""The filters of /proposals/, shared by the list page and (later) the CSV exports.

Parameters are part of the public contract: q, status, layer, actor, precondition, sort, page.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from .models import Actor, Layer, LayerKind, Precondition, PreconditionStatus, Proposal

SORTS = {
    "-updated": ("Recently updated", ["-updated_at", "pk"]),
    "title": ("Title (A–Z)", ["title", "pk"]),
    "status": ("Status", ["status", "title", "pk"]),
    "-first_reported": ("First reported (newest)", ["-first_reported", "pk"]),
    "first_reported": ("First reported (oldest)", ["first_reported", "pk"]),
}
DEFAULT_SORT = "-updated"


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="filter_q", widget=forms.TextInput(attrs={"type": "search"})
    )
    status = django_filters.ChoiceFilter(
        choices=Proposal.Status.choices, empty_label="Any status", label="Status"
    )
    layer = django_filters.ModelChoiceFilter(
        queryset=LayerKind.objects.all(),
        to_field_name="slug",
        method="filter_layer",
        empty_label="Any layer",
        label="Has layer",
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.all(),
        to_field_name="slug",
        method="filter_actor",
        empty_label="Anyone",
        label="Backed by",
    )
    precondition = django_filters.ChoiceFilter(
        choices=PreconditionStatus.choices,
        method="filter_precondition",
        empty_label="Any",
        label="Precondition status",
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        method="filter_sort",
        empty_label=None,
        label="Sort by",
    )

    class Meta:
        model = Proposal
        fields = ["q", "status", "layer", "actor", "precondition", "sort"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        for word in words[:10]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return queryset

    # Each filter is `pk IN (subquery)`: no duplicate rows, and PostgreSQL hashes the subquery once.
    def filter_layer(self, queryset: QuerySet, name: str, value: LayerKind) -> QuerySet:
        return queryset.filter(pk__in=Layer.objects.filter(kind=value).values("proposal"))

    def filter_actor(self, queryset: QuerySet, name: str, value: Actor) -> QuerySet:
        backs = Proposal.proponents.through.objects.filter(actor=value).values("proposal")
        contributes = Layer.contributors.through.objects.filter(actor=value).values(
            "layer__proposal"
        )
        return queryset.filter(Q(pk__in=backs) | Q(pk__in=contributes))

    def filter_precondition(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=Precondition.objects.filter(status=value).values("proposal"))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in `qs`, so that the default order holds without the parameter

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        sort = self.form.cleaned_data.get("sort") if self.is_bound and self.form.is_valid() else ""
        return queryset.order_by(*SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT])[1])


def filter_proposals(params, queryset: QuerySet | None = None) -> tuple[ProposalFilter, list[str]]:
    """Apply the list filters; invalid values are dropped and described in plain words."""
    queryset = Proposal.objects.all() if queryset is None else queryset
    filterset = ProposalFilter(params, queryset=queryset)
    problems: list[str] = []
    if not filterset.is_valid():
        cleaned = params.copy()
        for field in filterset.form.errors:
            label = filterset.form.fields[field].label if field in filterset.form.fields else field
            problems.append(
                f"“{label}”: the value “{params.get(field, '')}” is not one we know, "
                "so it was ignored."
            )
            cleaned.pop(field, None)
        filterset = ProposalFilter(cleaned, queryset=queryset)
    return filterset, problems
