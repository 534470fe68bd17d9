"""The filters of /proposals/, shared by the list, its facets and (later) the CSV exports.

Parameters are part of the public contract: q, status, layer, actor, precondition, sort, page;
status and layer may repeat (?status=floated&status=agreed). Dates: reported_after, reported_before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, Count, Expression, ExpressionWrapper, F, Q, QuerySet
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import as_of, tallies
from .models import (
    Actor,
    Involvement,
    InvolvementSpan,
    Layer,
    LayerKind,
    PreconditionStatus,
    Proposal,
)
from .search import search

SORTS = {
    "-updated": ("Recently updated", ["-updated_at", "pk"]),
    "title": ("Title (A–Z)", ["title", "pk"]),
    "status": ("Status", ["status", "title", "pk"]),
    "-first_reported": ("First in our sources (newest first)", ["-first_reported", "pk"]),
    "first_reported": ("First in our sources (oldest first)", ["first_reported", "pk"]),
}
RELEVANCE = "relevance"
DEFAULT_SORT = "-updated"
FACETS = ("status", "layer", "actor", "precondition")


class ProposalFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. Black Sea, Lacroix"}),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Proposal.Status.choices,
        method="filter_status",
        label="Status of the proposal",
        widget=forms.CheckboxSelectMultiple,
    )
    layer = django_filters.ModelMultipleChoiceFilter(
        queryset=LayerKind.objects.all(),
        to_field_name="slug",
        method="filter_layer",
        label="Has these layers",
        widget=forms.CheckboxSelectMultiple,
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=Actor.objects.all(),
        to_field_name="slug",
        method="filter_actor",
        empty_label="Anyone",
        label="Proposed, supported or contributed to by",
    )
    precondition = django_filters.ChoiceFilter(
        choices=PreconditionStatus.choices,
        method="filter_precondition",
        empty_label="Any",
        label="Has a precondition that is",
        widget=forms.RadioSelect,
    )
    reported_after = django_filters.DateFilter(
        field_name="first_reported",
        lookup_expr="gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reported_before = django_filters.DateFilter(
        field_name="first_reported",
        lookup_expr="lte",
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # One proposal, by its slug: what a proposal page's downloads carry.
    proposal = django_filters.CharFilter(field_name="slug", label="Proposal", max_length=100)
    sort = django_filters.ChoiceFilter(
        choices=[(RELEVANCE, "Best match")] + [(key, label) for key, (label, _) in SORTS.items()],
        method="filter_sort",
        empty_label=None,
        label="Sort by",
    )

    class Meta:
        model = Proposal
        fields = [
            "q",
            "status",
            "layer",
            "actor",
            "precondition",
            "reported_after",
            "reported_before",
            "proposal",
            "sort",
        ]

    def __init__(self, *args, day: dt.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.form.fields["precondition"].choices = [("", "Any")] + list(PreconditionStatus.choices)
        # As of a past day the statuses are those then in force (the queryset carries them).
        self.day = day

    # Each filter is `pk IN (subquery)`: no duplicate rows, and PostgreSQL hashes the subquery once.
    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(self.condition(name, value))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value)

    @extend_schema_field(OpenApiTypes.STR)  # a layer kind's slug, for the API's schema
    def filter_layer(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(self.condition(name, value))

    def filter_actor(self, queryset: QuerySet, name: str, value: Actor) -> QuerySet:
        return queryset.filter(self.condition(name, value))

    def filter_precondition(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(self.condition(name, value))

    def condition(self, name: str, value) -> Q:
        """What a proposal meets to pass the facet's filter `name` (one of FACETS) with `value`:
        the filter itself, and a column of the facets' leave_one_out."""
        if name == "status":
            if self.day is None:  # a column of the proposal itself
                return Q(status__in=value)
            spans = as_of.status_spans(self.day).filter(status__in=value)
            return Q(pk__in=spans.values("proposal"))
        if name == "layer":  # every chosen kind: a proposal with air AND naval layers
            return Q(
                *(Q(pk__in=Layer.objects.filter(kind=kind).values("proposal")) for kind in value)
            )
        if name == "actor":
            return Q(pk__in=proposals_of_actor(value, self.day))
        if name == "precondition":
            if self.day is None:  # counted on each proposal (proposals.tallies)
                return tallies.having(value)
            spans = as_of.status_spans(self.day, preconditions=True).filter(status=value)
            return Q(pk__in=spans.values("proposal"))
        raise ValueError(f"{name} is not a facet")

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in `qs`, so that the default order holds without the parameter

    @property
    def qs(self) -> QuerySet:
        return self.ordered(super().qs)

    def ordered(self, queryset: QuerySet) -> QuerySet:
        """The proposals in the order asked for (`sort`), by default the most recently updated
        first, or with a search the best match."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        sort = data.get("sort") or (RELEVANCE if data.get("q") else DEFAULT_SORT)
        if sort == RELEVANCE:
            if "search_rank" in queryset.query.annotations:
                return queryset.order_by("-search_rank", "-updated_at", "pk")
            sort = DEFAULT_SORT
        return queryset.order_by(*SORTS[sort][1])


def proposals_of_actor(actor: Actor, day: dt.date | None = None) -> QuerySet:
    """The ids of the proposals an actor backs (as of `day`) or contributes a layer to."""
    if day is None:
        return Involvement.objects.filter(actor=actor).values("proposal")
    return InvolvementSpan.objects.filter(as_of.span_on(day), actor=actor).values("proposal")


def clean_query(params: QueryDict, drop: frozenset[str] = frozenset()) -> str:
    """The query string without empty values: the shareable address of a filtered view."""
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        if key not in drop:
            kept = [value for value in values if value.strip()]
            if kept:
                clean.setlist(key, kept)
    return clean.urlencode()


def shareable_query(filterset: ProposalFilter, drop: frozenset[str] = frozenset()) -> str:
    """The shortest query string that gives this view: no empty values, no default sort."""
    params = QueryDict(clean_query(filterset.data, drop), mutable=True)
    # Best match is the default with a search; without one it means the default order too.
    redundant = {RELEVANCE} if params.get("q") else {RELEVANCE, DEFAULT_SORT}
    if params.get("sort") in redundant:
        params.pop("sort")
    return params.urlencode()


def filter_proposals(
    params: QueryDict, queryset: QuerySet, day: dt.date | None = None
) -> tuple[ProposalFilter, list[str]]:
    """Apply the list filters; invalid values are dropped and described in plain words. With a
    `day`, `queryset` comes from as_of.proposals_on and the filters read the statuses then."""
    params = QueryDict(clean_query(params))  # an empty field is no filter at all
    filterset = ProposalFilter(params, queryset=queryset, day=day)
    problems: list[str] = []
    if not filterset.is_valid():
        cleaned = params.copy()
        for field in filterset.form.errors:
            label = filterset.form.fields[field].label if field in filterset.form.fields else field
            values = ", ".join(params.getlist(field)) or "an empty value"
            problems.append(f"{label}: {values} is not a value we know, so it was ignored.")
            cleaned.pop(field, None)
        filterset = ProposalFilter(cleaned, queryset=queryset, day=day)
    return filterset, problems


def count_proposals(rows: QuerySet) -> dict:
    """{value: number of proposals} from a query of (value, proposal id) rows, which may repeat.

    PostgreSQL ORs each value's proposal ids into one 64-bit mask per 64 ids and counts the set
    bits: a group per 64 proposals instead of one per pair, a third of the work of DISTINCT.
    """
    sql, params = rows.query.sql_with_params()
    # The SQL comes from the ORM, with its values as parameters; the outer query only names the
    # columns, by position.
    tables = f"pairs(value, proposal) AS ({sql})"
    if connection.vendor == "postgresql":
        query = (
            f"WITH {tables} "  # noqa: S608
            "SELECT value, SUM(bit_count(mask::bit(64))) FROM ("
            "SELECT value, bit_or(1::bigint << (proposal & 63)::int) AS mask FROM pairs"
            " GROUP BY value, proposal >> 6) masks GROUP BY value"
        )
    else:
        query = (
            f"WITH {tables} "  # noqa: S608
            "SELECT value, COUNT(*) FROM (SELECT DISTINCT value, proposal FROM pairs) GROUP BY value"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {value: int(count) for value, count in cursor.fetchall()}


def counts_then(day: dt.date, among) -> dict[int, int]:
    """{actor: number of proposals} it backed on `day` or contributes to, among the proposals
    that `among` (a condition on the rows' proposal) selects: one span of each actor and proposal
    is in force on a day, so its rows are counted."""
    return dict(
        InvolvementSpan.objects.filter(as_of.span_on(day), among)
        .order_by()
        .values_list("actor_id")
        .annotate(n=Count("*"))
        .values_list("actor_id", "n")
    )


class Among(Expression):
    """`column` is one of `ids`: the ids go as one parameter, an array on PostgreSQL (`= ANY`)
    and a JSON list on SQLite, not as a placeholder each."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__()
        self.column, self.ids = F(column), list(ids)

    def get_source_expressions(self) -> list:
        return [self.column]

    def set_source_expressions(self, expressions: list) -> None:
        (self.column,) = expressions

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s::bigint[])", [*params, self.ids]

    def as_sqlite(self, compiler, connection) -> tuple[str, list]:
        sql, params = compiler.compile(self.column)  # a column, compiled; the ids: a parameter
        return f"{sql} IN (SELECT value FROM json_each(%s))", [  # noqa: S608
            *params,
            json.dumps(self.ids),
        ]


def leave_one_out(
    filterset: ProposalFilter, proposals: QuerySet, data: dict, chosen: list[str]
) -> dict[str | None, list[int]]:
    """As of a past day, with two facets or more filtered on (`chosen`), the ids of the
    proposals that every chosen filter but one gives (keyed by that facet) and that all of them
    give (None), among `proposals` (the other filters applied).

    One query marks each proposal with a column per chosen filter and keeps those that miss at
    most one: each filter's subquery is run once, where a query per facet would run every other
    filter again, then each facet counts the rows of a short list of ids.
    """
    marks = {
        f"in_{name}": ExpressionWrapper(
            filterset.condition(name, data[name]), output_field=BooleanField()
        )
        for name in chosen
    }
    rows = proposals.order_by().annotate(**marks).values_list("pk", *marks)
    sql, params = rows.query.sql_with_params()
    columns = [f"f{n}" for n in range(len(chosen))]
    missed = " + ".join(f"CASE WHEN {column} THEN 0 ELSE 1 END" for column in columns)
    # Materialized, so that each filter's subquery runs once, not again in the WHERE.
    query = (
        f"WITH marked(id, {', '.join(columns)}) AS MATERIALIZED ({sql}) "  # noqa: S608
        f"SELECT id, {', '.join(columns)} FROM marked WHERE {missed} <= 1"
    )
    sets: dict[str | None, list[int]] = {name: [] for name in [None, *chosen]}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for pk, *passed in cursor.fetchall():
            failed = [name for name, ok in zip(chosen, passed, strict=True) if not ok]
            for name in failed or [None, *chosen]:
                sets[name].append(pk)
    return sets


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def facets(
    filterset: ProposalFilter, base: QuerySet, public: bool | None = None
) -> dict[str, list[FacetOption] | list[int] | None]:
    """Beside each option, how many proposals it would give with the other filters kept.

    One query per facet, whatever the number of proposals (as Datasette does), over the ids of
    the proposals that the other filters give; as of a past day with two facets or more
    filtered on, one query before them lists those ids (leave_one_out). `public` says whether
    `base` is the published proposals (True), all of them (False) or some other set (None), in
    each case only those reported by then on a past day: with no filter in play, the counts then
    leave out the few drafts or proposals not yet reported, or the few not in `base`, instead of
    looking up every proposal.
    """
    data = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    day = filterset.day

    # The filters given (filter_proposals dropped empty ones), not their cleaned values.
    applied = {name for name in data if name != "sort" and name in filterset.data}
    chosen = [name for name in FACETS if name in applied]

    def filtered(names: set[str]) -> QuerySet:
        queryset = base
        for name in filterset.filters:  # in a fixed order: the same view, the same SQL
            if name in names:
                queryset = filterset.filters[name].filter(queryset, data[name])
        return queryset

    # As of a past day, with two facets or more filtered on, each facet's proposals are listed
    # once by id. (Today's status and precondition filters read columns of the proposal: running
    # them again per facet costs less than listing thousands of ids.)
    sets = (
        leave_one_out(filterset, filtered(applied - set(chosen)), data, chosen)
        if day is not None and len(chosen) > 1
        else None
    )

    def matching(facet: str | None) -> QuerySet | None:
        """The proposals that every filter but this facet's gives; None if that is all of
        `base`."""
        if not applied - {facet}:
            return None
        return filtered(applied - {facet})

    def visible(field: str) -> Q:
        """Rows (whose proposal is `field`) of every proposal in `base`, named by the few left
        out of it (drafts, or what had not been reported by then): PostgreSQL then hashes a
        short list instead of joining every proposal."""
        if public is None:
            left_out = Proposal.objects.exclude(pk__in=base.order_by().values("pk"))
        else:
            left_out = as_of.left_out(day, public)
            if left_out is None:
                return Q()
        return ~Q(**{f"{field}__in": left_out})

    def within(facet: str | None, field: str) -> Q | Among:
        """Rows (whose proposal is `field`) of the proposals that `matching(facet)` gives."""
        if sets is not None:  # listed by id, keyed by the facet left out (None: none is)
            return Among(field, sets[facet if facet in chosen else None])
        proposals = matching(facet)
        if proposals is None:
            return visible(field)
        return Q(**{f"{field}__in": proposals.order_by().values("pk")})

    # Today, with neither a status nor a precondition chosen, both facets count the same
    # proposals: one query, the precondition counts read from each proposal's tallies.
    together = day is None and not {"status", "precondition"} & applied
    having = (
        {f"having_{key}": Count("pk", filter=tallies.having(key)) for key in tallies.FIELDS}
        if together
        else {}
    )
    status_counts, precondition_counts = {}, dict.fromkeys(tallies.FIELDS, 0)
    if day is None:
        proposals = matching("status")
        proposals = base if proposals is None else proposals
        statuses = proposals.order_by().values_list("status").annotate(n=Count("*"), **having)
    else:  # one span of each proposal is in force that day
        statuses = (
            as_of.status_spans(day)
            .filter(within("status", "proposal"))
            .order_by()
            .values_list("status")
            .annotate(n=Count("*"))
        )
    for value, n, *counts in statuses:
        status_counts[value] = n
        for key, count in zip(tallies.FIELDS, counts, strict=False):
            precondition_counts[key] += count
    # Layers combine with AND, so a kind's count is within everything already chosen; a proposal
    # has at most one layer of a kind, so counting layers counts proposals.
    layer_counts = dict(
        Layer.objects.filter(within(None, "proposal"))
        .order_by()
        .values_list("kind_id")
        .annotate(n=Count("*"))
        .values_list("kind_id", "n")
    )
    if day is None and not together:
        proposals = matching("precondition")
        precondition_counts = tallies.counts_by_status(base if proposals is None else proposals)
    elif day is not None:
        precondition_counts = count_proposals(
            as_of.status_spans(day, preconditions=True)
            .filter(within("precondition", "proposal"))
            .order_by()
            .values_list("status", "proposal_id")
        )
    if day is None:  # today's backers and contributors: a row per actor and proposal
        actor_counts = dict(
            Involvement.objects.filter(within("actor", "proposal"))
            .order_by()
            .values_list("actor_id")
            .annotate(n=Count("*"))
            .values_list("actor_id", "n")
        )
    else:
        actor_counts = counts_then(day, within("actor", "proposal"))

    selected_status = set(data.get("status") or [])
    selected_layers = {kind.slug for kind in data.get("layer") or []}
    selected_actor = data.get("actor")
    kinds = filterset.form.fields["layer"].queryset
    actors = filterset.form.fields["actor"].queryset
    return {
        "status": [
            FacetOption(value, label, status_counts.get(value, 0), value in selected_status)
            for value, label in Proposal.Status.choices
        ],
        "layer": [
            FacetOption(
                kind.slug, kind.name, layer_counts.get(kind.pk, 0), kind.slug in selected_layers
            )
            for kind in kinds
        ],
        "precondition": [
            FacetOption(
                value, label, precondition_counts.get(value, 0), data.get("precondition") == value
            )
            for value, label in PreconditionStatus.choices
        ],
        "actor": [
            FacetOption(
                actor.slug, actor.name, actor_counts.get(actor.pk, 0), actor == selected_actor
            )
            for actor in actors
        ],
        # The proposals every filter gives, when they were listed by id (leave_one_out).
        "matched": None if sets is None else sets[None],
    }
