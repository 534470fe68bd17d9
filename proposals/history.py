"""What changed, when and by whom, read from the historical records that django-simple-history keeps.

One form save can write several historical rows (the save itself, then one per many-to-many change),
so rows of one record by one person within a few seconds are read as one change.

The public history starts when the proposal was published: what only ever existed in a draft (or
while it was withdrawn) is never shown to readers; analysts see everything. People are named by
their full name, or "an analyst", never by their login name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import BigIntegerField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.dateformat import format as format_date
from django.utils.text import Truncator, capfirst

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
    ProposalStatus,
    Source,
    StatusChange,
)

EMPTY = "—"
SAME_CHANGE_WITHIN = dt.timedelta(seconds=5)

# The fields shown, in order, and the many-to-many fields with the model their rows point to.
FIELDS: dict[type[models.Model], list[str]] = {
    Proposal: [
        "title",
        "slug",
        "status",
        "first_reported",
        "summary",
        "is_published",
        "reviewed_at",
    ],
    Layer: ["kind", "description", "area", "assets"],
    Precondition: ["slug", "description", "status", "responsible", "layer", "depends_on"],
    Citation: ["source", "kind", "text", "speaker", "said_on", "hedge", "confidence"],
    Position: ["actor", "stance", "stated_on", "statement"],
    Commitment: ["actor", "layer", "phase", "quantity", "unit", "stated_on", "note"],
    StatusChange: ["precondition", "status", "changed_on", "note"],
    ProposalRelation: ["kind", "other", "note"],
}
M2M: dict[type[models.Model], dict[str, str]] = {
    Proposal: {"proponents": "actor"},
    Layer: {"contributors": "actor"},
}
# Fields whose verbose_name is not what a reader calls them (until the models say it themselves).
FIELD_LABELS: dict[tuple[type[models.Model], str], str] = {
    (Proposal, "slug"): "Address",
    (Layer, "kind"): "Kind of layer",
    (Precondition, "slug"): "Address",
    (Precondition, "responsible"): "Who must act",
    (Precondition, "layer"): "Layer it concerns",
    (ProposalRelation, "kind"): "Relation",
    (ProposalRelation, "other"): "Other proposal",
}
# Every model a history entry may name (FIELDS' relations and M2M's targets).
LABELLED = (Actor, Layer, LayerKind, Precondition, Proposal, Source)
SUBJECT_LENGTH = 60
REVIEWED = "Last reviewed"


@dataclass
class Change:
    field: str
    old: str
    new: str
    # For the API and feeds: the field's name, and its values as codes, ISO dates and names.
    name: str = ""
    old_value: object = None
    new_value: object = None


@dataclass
class Entry:
    when: dt.datetime
    who: str
    action: str  # created, changed, deleted
    subject: str
    anchor: str
    changes: list[Change] = field(default_factory=list)
    # Stable across pages: the id of the entry on the history page (from its last historical row).
    key: str = ""
    proposal_id: int | None = None


@dataclass
class Since:
    """What others changed in a record after a given version."""

    changes: list[Change]
    editors: list[str]
    when: dt.datetime | None


def user_label(user) -> str:
    if user is None:
        return "the system (a command or import)"
    return user.get_full_name() or "an analyst"


class Labels:
    """Turns stored values into words, loading each related model's names in one query."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], object], str] = {}
        self.remembered: dict[tuple[type[models.Model], object], str] = {}

    def remember(self, model: type[models.Model], value, name: str) -> None:
        """The name a record had in its history rows: what a deleted record is called."""
        self.remembered[model, value] = name

    def want(self, model: type[models.Model], value) -> None:
        if value not in (None, ""):
            self.wanted[model].add(value)

    def load(self, every: tuple[type[models.Model], ...] = ()) -> None:
        """One query per model wanted; and one for each of `every` even when nothing of it is
        wanted (with no id that exists), so that the count of queries is the same whatever the
        records are."""
        for model in every:
            self.wanted.setdefault(model, set())
        for model, ids in self.wanted.items():
            queryset = model.objects.filter(pk__in=ids or [-1])
            if model is Layer:
                queryset = queryset.select_related("kind")
            for obj in queryset:
                self.names[model, obj.pk] = f"{obj.kind.name} layer" if model is Layer else str(obj)

    def name(self, model: type[models.Model], value) -> str:
        if value in (None, ""):
            return EMPTY
        key = (model, value)
        deleted = f"a deleted {model._meta.verbose_name}"
        return self.names.get(key) or self.remembered.get(key, deleted)


def shortened(text: str) -> str:
    """A long description cut to a heading's length, at a word."""
    return Truncator(text.strip().rstrip(".")).chars(SUBJECT_LENGTH)


def field_label(model: type[models.Model], name: str) -> str:
    return FIELD_LABELS.get((model, name)) or capfirst(model._meta.get_field(name).verbose_name)


def field_value(labels: Labels, model_field: models.Field, value) -> str:
    if model_field.is_relation:
        return labels.name(model_field.related_model, value)
    if value in (None, ""):
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return format_date(value, "j F Y")
    return str(value)


def status_value(record, value) -> str:
    """A status change's status in words: a proposal's or a precondition's, by what it changes."""
    statuses = ProposalStatus if record.precondition_id is None else PreconditionStatus
    return EMPTY if value in (None, "") else str(dict(statuses.choices).get(value, value))


class Differ:
    """Diffs historical rows of the tracked models, in a fixed number of queries."""

    def __init__(self) -> None:
        self.labels = Labels()
        self.m2m: dict[tuple[str, int], set[int]] = {}

    def prepare(self, model: type[models.Model], records: list) -> None:
        for name in FIELDS[model]:
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                for record in records:
                    self.labels.want(
                        model_field.related_model, getattr(record, model_field.attname)
                    )
        for name, target in M2M.get(model, {}).items():
            through = apps.get_model("proposals", f"Historical{model.__name__}_{name}")
            rows = through.objects.filter(history__in=[r.history_id for r in records])
            by_record: dict[int, set[int]] = defaultdict(set)
            for history_id, target_id in rows.values_list("history_id", f"{target}_id"):
                by_record[history_id].add(target_id)
                self.labels.want(Actor, target_id)
            for record in records:
                self.m2m[name, record.history_id] = by_record.get(record.history_id, set())

    def diff(self, model: type[models.Model], old, new) -> list[Change]:
        changes = []
        for name in FIELDS[model]:
            model_field = model._meta.get_field(name)
            before = getattr(old, model_field.attname) if old is not None else None
            after = getattr(new, model_field.attname)
            if before != after and not (old is None and after in (None, "", False)):
                if model is StatusChange and name == "status":
                    words = status_value(old, before) if old else EMPTY, status_value(new, after)
                else:
                    words = (
                        field_value(self.labels, model_field, before),
                        field_value(self.labels, model_field, after),
                    )
                changes.append(
                    Change(
                        field_label(model, name),
                        *words,
                        name=model_field.name,
                        old_value=self.value(model_field, before),
                        new_value=self.value(model_field, after),
                    )
                )
        for name in M2M.get(model, {}):
            before = self.m2m[name, old.history_id] if old is not None else set()
            after = self.m2m[name, new.history_id]
            if before != after:
                changes.append(
                    Change(
                        field_label(model, name),
                        self.names(before),
                        self.names(after),
                        name=name,
                        old_value=sorted(self.labels.name(Actor, pk) for pk in before),
                        new_value=sorted(self.labels.name(Actor, pk) for pk in after),
                    )
                )
        return changes

    def value(self, model_field: models.Field, value):
        """A stored value as the API gives it: codes as stored, dates and times in ISO 8601, a
        related record by its name."""
        if value in (None, ""):
            return value
        if model_field.is_relation:
            return self.labels.name(model_field.related_model, value)
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def names(self, ids: set[int]) -> str:
        return ", ".join(sorted(self.labels.name(Actor, pk) for pk in ids)) or EMPTY


def proposal_of(model, history: QuerySet) -> QuerySet:
    """`history` (historical rows of `model`) annotated with the id of the proposal concerned."""
    if model is Proposal:
        return history.annotate(proposal_pk=F("id"))
    if model is Commitment:
        layer = Layer.objects.filter(pk=OuterRef("layer_id")).values("proposal_id")[:1]
        return history.annotate(proposal_pk=Subquery(layer))
    if model is Citation:
        paths = [F("proposal_id")]
        for name, claim in [
            ("layer", Layer),
            ("precondition", Precondition),
            ("position", Position),
            ("status_change", StatusChange),
            ("relation", ProposalRelation),
        ]:
            paths.append(
                Subquery(claim.objects.filter(pk=OuterRef(f"{name}_id")).values("proposal_id")[:1])
            )
        paths.append(
            Subquery(
                Layer.objects.filter(commitments__pk=OuterRef("commitment_id")).values(
                    "proposal_id"
                )[:1]
            )
        )
        paths.append(
            Subquery(
                Event.proposals.through.objects.filter(event_id=OuterRef("event_id"))
                .order_by("proposal_id")
                .values("proposal_id")[:1]
            )
        )
        return history.annotate(proposal_pk=Coalesce(*paths, output_field=BigIntegerField()))
    return history.annotate(proposal_pk=F("proposal_id"))


def same_change(last, record) -> bool:
    return (
        last.id == record.id
        and last.history_user_id == record.history_user_id
        and record.history_date - last.history_date <= SAME_CHANGE_WITHIN
        and record.history_type != "-"
        and last.history_type != "-"
    )


def grouped(records: list, shown) -> list[tuple[list, object]]:
    """The changes among the rows that are `shown`: consecutive rows of one record by one person
    within a few seconds are one, each with the row its record had before it (shown or not)."""
    groups: list[tuple[list, object]] = []
    last_row: dict[int, object] = {}
    run: list = []
    for record in records:
        if not shown(record):
            run = []
        elif run and same_change(run[-1], record):
            run.append(record)
        else:
            run = [record]
            groups.append((run, last_row.get(record.id)))
        last_row[record.id] = record
    return groups


def published_periods(records: list) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """When the proposal was published, from its own history rows (sorted by date)."""
    periods: list[tuple[dt.datetime, dt.datetime | None]] = []
    published = False
    for record in records:
        if record.history_type != "-" and record.is_published and not published:
            periods.append((record.history_date, None))
        elif (record.history_type == "-" or not record.is_published) and published:
            periods[-1] = (periods[-1][0], record.history_date)
        published = record.history_type != "-" and record.is_published
    return periods


def subject(
    model: type[models.Model], record, kinds: dict[int, LayerKind], labels: Labels
) -> tuple[str, str]:
    """What a history entry is about, in a reader's words, and the page block it links to."""
    if model is Proposal:
        return "The proposal", "proposal-header"
    if model is Layer:
        kind = kinds.get(record.kind_id)
        return (f"{kind.name} layer", f"layer-{kind.slug}") if kind else ("A layer", "layers")
    if model is Precondition:
        return f"Precondition: {shortened(record.description)}", f"precondition-{record.slug}"
    if model is Position:
        return f"Position of {labels.name(Actor, record.actor_id)}", "positions"
    if model is Commitment:
        actor, layer = labels.name(Actor, record.actor_id), labels.name(Layer, record.layer_id)
        return f"Commitment of {actor} to the {layer}", "layers"
    if model is StatusChange:
        if record.precondition_id is None:
            return "Status of the proposal", "status"
        precondition = shortened(labels.name(Precondition, record.precondition_id))
        return f"Status of precondition: {precondition}", "status"
    if model is ProposalRelation:
        return f"Relation to {labels.name(Proposal, record.other_id)}", "relations"
    words = record.text if len(record.text) <= 60 else record.text[:57] + "…"
    if record.kind == "paraphrase":
        return f"Paraphrase of a source: {words}", "sources"
    return f"Quote “{words}”", "sources"


def proposal_history(proposal: Proposal, public: bool = True) -> list[Entry]:
    """Every change to a proposal and to its layers, preconditions and citations, newest first.

    `public`: only what was changed while the proposal was published, each change compared with
    what readers saw before it.
    """
    return histories([proposal.pk], public)[proposal.pk]


def history_rows(ids: list[int]) -> tuple[dict, dict]:
    """The historical rows of the proposals `ids` and of everything recorded on them, by model,
    in a fixed number of queries; and, for each row, the proposals it belongs to (a citation of
    an event belongs to every proposal on whose timeline the event is)."""
    users = "history_user"
    rows: dict[type[models.Model], list] = {
        Proposal: list(Proposal.history.filter(id__in=ids).select_related(users))
    }
    for model in (Layer, Precondition, Position, StatusChange, ProposalRelation):
        rows[model] = list(model.history.filter(proposal_id__in=ids).select_related(users))
    owner = {
        model: {r.id: r.proposal_id for r in rows[model]}
        for model in (Layer, Precondition, Position, StatusChange, ProposalRelation)
    }
    rows[Commitment] = list(
        Commitment.history.filter(layer_id__in=list(owner[Layer]) or [-1]).select_related(users)
    )
    owner[Commitment] = {r.id: owner[Layer][r.layer_id] for r in rows[Commitment]}
    events: dict[int, set[int]] = defaultdict(set)
    for event_id, proposal_id in Event.proposals.through.objects.filter(
        proposal_id__in=ids
    ).values_list("event_id", "proposal_id"):
        events[event_id].add(proposal_id)
    claims = {
        "layer": Layer,
        "precondition": Precondition,
        "position": Position,
        "commitment": Commitment,
        "status_change": StatusChange,
        "relation": ProposalRelation,
    }
    lookups = [("proposal_id__in", ids), ("event_id__in", list(events))] + [
        (f"{name}_id__in", list(owner[model])) for name, model in claims.items()
    ]
    rows[Citation] = list(
        Citation.history.filter(
            Q(*[Q(**{lookup: values}) for lookup, values in lookups if values], _connector=Q.OR)
        ).select_related(users)
    )

    def proposals_of(model: type[models.Model], record) -> set[int]:
        if model is Proposal:
            return {record.id}
        if model is Commitment:
            return {owner[Commitment][record.id]}
        if model is not Citation:
            return {record.proposal_id}
        if record.proposal_id:
            return {record.proposal_id}
        if record.event_id:
            return events.get(record.event_id, set())
        for name, claim in claims.items():
            if (pk := getattr(record, f"{name}_id")) is not None:
                found = owner[claim].get(pk)
                return {found} if found is not None else set()
        return set()

    belongs = {
        (model, record.history_id): proposals_of(model, record)
        for model, records in rows.items()
        for record in records
    }
    return rows, belongs


def histories(ids, public: bool = True) -> dict[int, list[Entry]]:
    """proposal_history for many proposals at once, in the same fixed number of queries."""
    ids = list(ids)
    rows, belongs = history_rows(ids)
    kinds = {kind.pk: kind for kind in LayerKind.objects.all()}
    differ = Differ()
    for model, records in rows.items():
        records.sort(key=lambda r: (r.id, r.history_date, r.history_id))
        differ.prepare(model, records)
    differ.labels.load(every=LABELLED)
    # Records deleted since keep the name their last history row gave them.
    for record in rows[Precondition]:
        differ.labels.remember(Precondition, record.id, record.description)
    for record in rows[Layer]:
        if kind := kinds.get(record.kind_id):
            differ.labels.remember(Layer, record.id, f"{kind.name} layer")

    by_proposal: dict[int, dict[type[models.Model], list]] = {pk: defaultdict(list) for pk in ids}
    hidden = hidden_relations(rows[ProposalRelation]) if public else set()
    for model, records in rows.items():
        for record in records:
            if (model is ProposalRelation and record.id in hidden) or (
                model is Citation and record.relation_id in hidden
            ):
                continue
            for pk in belongs[model, record.history_id]:
                by_proposal[pk][model].append(record)
    return {pk: entries_of(by_proposal[pk], kinds, differ, public, pk) for pk in ids}


def hidden_relations(records: list) -> set[int]:
    """Relations to a proposal that is not published now: readers do not see them on the page,
    nor the draft's name in the history."""
    others = {record.other_id for record in records}
    drafts = set(
        Proposal.objects.filter(pk__in=others or [-1], is_published=False).values_list(
            "pk", flat=True
        )
    )
    return {record.id for record in records if record.other_id in drafts}


def entries_of(
    records_by_model: dict, kinds: dict, differ: Differ, public: bool, proposal_id: int
) -> list[Entry]:
    periods = (
        published_periods(sorted(records_by_model[Proposal], key=lambda r: r.history_date))
        if public
        else None
    )

    def shown(record) -> bool:
        when = record.history_date
        return periods is None or any(
            start <= when and (end is None or when < end) for start, end in periods
        )

    entries: list[Entry] = []
    for model, records in records_by_model.items():
        for group, before in grouped(records, shown):
            first, last = group[0], group[-1]
            name, anchor = subject(model, last, kinds, differ.labels)
            who = user_label(last.history_user)
            key = f"change-{model._meta.model_name}-{last.history_id}"
            if first.history_type == "-":
                entries.append(
                    Entry(first.history_date, who, "deleted", name, anchor, [], key, proposal_id)
                )
                continue
            created = any(r.history_type == "+" for r in group)
            changes = differ.diff(model, None if created else before, last)
            fields = {c.field for c in changes}
            if model is Proposal and "Published" in fields and fields <= {"Published", REVIEWED}:
                action, changes = "published", []
            elif model is Proposal and fields == {REVIEWED}:
                action, changes = "marked reviewed", []
            elif changes or created:
                action = "created" if created else "changed"
            else:
                continue
            entries.append(
                Entry(last.history_date, who, action, name, anchor, changes, key, proposal_id)
            )
    entries.sort(key=lambda entry: (entry.when, entry.key), reverse=True)
    return entries


def changes_since(current: models.Model, version: int) -> Since:
    """What changed in `current` after the version an analyst started from, and who changed it."""
    model = type(current)
    records = list(
        current.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    base = [r for r in records if r.version == version]
    if not base or model not in FIELDS:
        return Since([], [], None)
    newer = [r for r in records if r.history_date > base[-1].history_date]
    if not newer:
        return Since([], [], None)
    differ = Differ()
    differ.prepare(model, [base[-1], newer[-1]])
    differ.labels.load()
    editors = sorted({user_label(r.history_user) for r in newer})
    return Since(differ.diff(model, base[-1], newer[-1]), editors, newer[-1].history_date)
