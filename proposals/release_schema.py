"""How a dataset release describes its files: a Frictionless Table Schema per CSV kind.

Each column's type and meaning, which columns are never empty, the code values a column takes,
what identifies a row (the CONTRACT's identities) and how the files refer to each other.
proposals.releases writes them into each release's datapackage.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .exports import FILES, KINDS, LIST_SEPARATOR, cell
from .models import ActorKind, Phase, PreconditionStatus, ProposalStatus, Stance, Unit

# The resource name of each kind: its file name on /export/ (status_changes: status-changes).
RESOURCES = {kind: name for name, kind in FILES.items()}
TITLES = {
    "proposals": "Proposals: one row per proposal",
    "layers": "Layers: one row per layer of a proposal",
    "preconditions": "Preconditions: one row per precondition of a proposal",
    "positions": "Positions: one row per stated position of an actor on a proposal",
    "commitments": "Commitments: one row per commitment of an actor to a layer",
    "status_changes": "Status changes: one row per dated change of a proposal's or a "
    "precondition's status",
    "actors": "Actors: one row per actor, whether or not a released proposal names it",
}


@dataclass(frozen=True)
class Column:
    """How a release describes one CSV column in its Table Schema."""

    type: str
    description: str
    # Never empty in an export (the database guarantees it), so the schema may say so.
    required: bool = False
    # The code values the column takes: a key of code_values().
    codes: str | None = None


def text(description: str, *, required: bool = False, codes: str | None = None) -> Column:
    return Column("string", description, required, codes)


def listed(what: str) -> Column:
    return text(f"{what}, joined with '{LIST_SEPARATOR}'.")


PROPOSAL = text("The proposal's slug (proposals.slug).", required=True)
ACTOR = text("The actor's slug (actors.slug).", required=True)
UPDATED = Column("datetime", "When the record last changed on the site, in UTC.", required=True)

COLUMNS: dict[str, dict[str, Column]] = {
    "proposals": {
        "slug": text(
            "The proposal's permanent identifier: its page is /proposals/<slug>/.", required=True
        ),
        "title": text("The proposal's name.", required=True),
        "status": text(
            "How far it has got, as our sources report it.",
            required=True,
            codes="proposal_status",
        ),
        "proponents": listed("The actors whose latest stated stance is to propose or support it"),
        "summary": text("What is proposed, and by whom, in plain words."),
        "first_reported": Column(
            "date", "The date it first appears in the sources we hold; empty if unknown."
        ),
        "layer_kinds": listed("The kinds of its layers (layers.kind)"),
        "preconditions_met": Column(
            "integer", "How many of its preconditions are met.", required=True
        ),
        "preconditions_total": Column("integer", "How many preconditions it has.", required=True),
        "updated_at": UPDATED,
        "url": text("Its page on the site.", required=True),
    },
    "layers": {
        "proposal_slug": PROPOSAL,
        "kind": text(
            "The kind of layer; a proposal has at most one of each.",
            required=True,
            codes="layer_kind",
        ),
        "description": text("What this layer does."),
        "area": text("Where it would work."),
        "assets": listed("What it relies on (satellites, drones, ships…)"),
        "contributors": listed("Who provides it, by name (actors.name)"),
        "updated_at": UPDATED,
    },
    "preconditions": {
        "proposal_slug": PROPOSAL,
        "slug": text("The precondition's identifier, unique within its proposal.", required=True),
        "description": text("What must happen before the proposal can go ahead."),
        "status": text("How far it has got.", required=True, codes="precondition_status"),
        "responsible": text("Who must act for it to be met (actors.name); empty if not named."),
        "layer_kind": text(
            "The kind of the one layer it concerns; empty if it concerns the whole proposal.",
            codes="layer_kind",
        ),
        "updated_at": UPDATED,
    },
    "positions": {
        "proposal_slug": PROPOSAL,
        "actor": ACTOR,
        "stance": text(
            "The stance the actor stated; its latest counts.", required=True, codes="stance"
        ),
        "stated_on": Column("date", "When the actor took this stance.", required=True),
        "statement": text("What the actor said or did, in one sentence and the source's terms."),
        "updated_at": UPDATED,
    },
    "commitments": {
        "proposal_slug": PROPOSAL,
        "actor": ACTOR,
        "layer_kind": text(
            "The kind of the layer it is for: with proposal_slug, the layer.",
            required=True,
            codes="layer_kind",
        ),
        "phase": text("Pledged, planned, deployed or withdrawn.", required=True, codes="phase"),
        "quantity": Column("integer", "How many, if the source says; empty if not."),
        "unit": text("What quantity counts.", required=True, codes="unit"),
        "stated_on": Column(
            "date", "When it was pledged, planned, deployed or withdrawn.", required=True
        ),
        "note": text("More about it, in the source's terms."),
        "updated_at": UPDATED,
    },
    "status_changes": {
        "proposal_slug": PROPOSAL,
        "precondition_slug": text(
            "The precondition whose status changed (preconditions.slug, within the proposal); "
            "empty for a change of the proposal's own status."
        ),
        "status": text(
            "The new status: a proposal status when precondition_slug is empty, a precondition "
            "status otherwise.",
            required=True,
            codes="status",
        ),
        "changed_on": Column("date", "When it happened in the world.", required=True),
        "note": text("What happened, in the source's terms."),
        "updated_at": UPDATED,
    },
    "actors": {
        "slug": text(
            "The actor's permanent identifier: its page is /actors/<slug>/.", required=True
        ),
        "name": text("The actor's name, as the other files name it.", required=True),
        "kind": text("What kind of actor it is.", required=True, codes="actor_kind"),
        "description": text("Who this is, in a sentence."),
        "updated_at": UPDATED,
    },
}

# Each row's identity (CONTRACT.md).
PRIMARY_KEYS = {
    "proposals": ["slug"],
    "layers": ["proposal_slug", "kind"],
    "preconditions": ["proposal_slug", "slug"],
    "positions": ["proposal_slug", "actor", "stated_on"],
    "commitments": ["proposal_slug", "actor", "layer_kind", "phase", "unit", "stated_on"],
    "status_changes": ["proposal_slug", "precondition_slug", "changed_on"],
    "actors": ["slug"],
}

# (columns, kind, its columns). A key with an optional column is left out: Frictionless looks up
# a partly empty key and reports it missing (status changes of a proposal's own status, and
# preconditions that concern no one layer).
FOREIGN_KEYS = {
    "layers": [(["proposal_slug"], "proposals", ["slug"])],
    "preconditions": [
        (["proposal_slug"], "proposals", ["slug"]),
        (["responsible"], "actors", ["name"]),
    ],
    "positions": [(["proposal_slug"], "proposals", ["slug"]), (["actor"], "actors", ["slug"])],
    "commitments": [
        (["proposal_slug", "layer_kind"], "layers", ["proposal_slug", "kind"]),
        (["actor"], "actors", ["slug"]),
    ],
    "status_changes": [(["proposal_slug"], "proposals", ["slug"])],
}

# Files whose empty cells are values, not missing ones: a status change's empty
# precondition_slug names the proposal itself and is part of the row's identity, and a primary
# key holds no missing value. The file has no other column that may be empty but a note.
EMPTY_IS_A_VALUE = {"status_changes"}

DIALECT = {
    "delimiter": ",",
    "doubleQuote": True,
    "header": True,
    "lineTerminator": "\r\n",
    "quoteChar": '"',
}


def code_values(layer_kinds: list[str]) -> dict[str, list[str]]:
    """The values each coded column takes, as the files write them."""
    values = {
        "proposal_status": ProposalStatus.values,
        "precondition_status": PreconditionStatus.values,
        "status": ProposalStatus.values + PreconditionStatus.values,
        "stance": Stance.values,
        "phase": Phase.values,
        "unit": Unit.values,
        "actor_kind": ActorKind.values,
        "layer_kind": layer_kinds,
    }
    return {name: [cell(value) for value in codes] for name, codes in values.items()}


def table_schema(kind: str, codes: dict[str, list[str]]) -> dict[str, Any]:
    """The Table Schema of one kind's file, its columns in the export's order."""
    fields = []
    for name in KINDS[kind].columns:
        column = COLUMNS[kind][name]  # a new export column needs its description here
        field: dict[str, Any] = {
            "name": name,
            "type": column.type,
            "description": column.description,
        }
        constraints: dict[str, Any] = {}
        if column.required:
            constraints["required"] = True
        if column.codes:
            constraints["enum"] = codes[column.codes]
        if column.type == "integer":
            constraints["minimum"] = 0
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema: dict[str, Any] = {"fields": fields, "primaryKey": PRIMARY_KEYS[kind]}
    if kind in EMPTY_IS_A_VALUE:
        schema["missingValues"] = []
    if kind in FOREIGN_KEYS:
        schema["foreignKeys"] = [
            {"fields": fields_, "reference": {"resource": RESOURCES[other], "fields": keys}}
            for fields_, other, keys in FOREIGN_KEYS[kind]
        ]
    return schema
