"""Importing actors and the dated records: positions, commitments and status changes (CONTRACT).

Each row is matched by the CONTRACT's identity and created or updated, as for the other kinds
(proposals.imports); `actor` is an actor's slug, and an actor the file names that is not on file
is an error: import actors.csv first.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import writes
from .import_rows import Checker, ImportPlan, locked, record
from .models import (
    Actor,
    ActorKind,
    Commitment,
    Layer,
    Phase,
    Position,
    Precondition,
    PreconditionStatus,
    Proposal,
    ProposalStatus,
    Stance,
    StatusChange,
    Unit,
)

IDENTITY = {
    "actors": ("slug",),
    "positions": ("proposal_slug", "actor", "stated_on"),
    "commitments": ("proposal_slug", "actor", "layer_kind", "phase", "unit", "stated_on"),
    "status_changes": ("proposal_slug", "precondition_slug", "changed_on"),
}


def identity(kind: str, row: dict[str, str]) -> tuple:
    return tuple(row[column].strip() for column in IDENTITY[kind])


def load(kind: str, rows, lock: bool) -> dict:
    """What the file's rows may match, with the proposals first and then the records locked."""
    slugs = {row.get("proposal_slug", "").strip() for _, row in rows}
    proposals = Proposal.objects.filter(slug__in=slugs).order_by("pk")
    if lock:
        writes.lock_proposals(proposals.values_list("pk", flat=True))
    existing: dict = {
        "proposals": {p.slug: p for p in proposals},
        "actors": {a.slug: a for a in Actor.objects.all()},
    }
    if kind == "actors":
        existing["actors"] = {a.slug: a for a in locked(Actor.objects.all(), lock)}
        existing["names"] = {a.name: a.slug for a in existing["actors"].values()}
    elif kind == "positions":
        positions = Position.objects.filter(proposal__slug__in=slugs).select_related(
            "proposal", "actor"
        )
        existing["positions"] = {
            (p.proposal.slug, p.actor.slug, p.stated_on.isoformat()): p
            for p in locked(positions, lock)
        }
    elif kind == "commitments":
        layers = Layer.objects.filter(proposal__slug__in=slugs).select_related("proposal", "kind")
        existing["layers"] = {(layer.proposal.slug, layer.kind.slug): layer for layer in layers}
        commitments = Commitment.objects.filter(layer__proposal__slug__in=slugs).select_related(
            "layer__proposal", "layer__kind", "actor"
        )
        existing["commitments"] = {
            (
                c.layer.proposal.slug,
                c.actor.slug,
                c.layer.kind.slug,
                c.phase,
                c.unit,
                c.stated_on.isoformat(),
            ): c
            for c in locked(commitments, lock)
        }
    elif kind == "status_changes":
        preconditions = Precondition.objects.filter(proposal__slug__in=slugs).select_related(
            "proposal"
        )
        existing["preconditions"] = {(p.proposal.slug, p.slug): p for p in preconditions}
        changes = StatusChange.objects.filter(proposal__slug__in=slugs).select_related(
            "proposal", "precondition"
        )
        existing["status_changes"] = {
            (
                c.proposal.slug,
                c.precondition.slug if c.precondition else "",
                c.changed_on.isoformat(),
            ): c
            for c in locked(changes, lock)
        }
    return existing


def proposal_of(check: Checker, existing: dict) -> Proposal | None:
    proposal = existing["proposals"].get(check.row["proposal_slug"].strip())
    if proposal is None:
        check.error("proposal_slug", "is not a proposal on file; import the proposals first.")
    return proposal


def actor_of(check: Checker, existing: dict) -> Actor | None:
    actor = existing["actors"].get(check.row["actor"].strip())
    if actor is None:
        check.error("actor", "is not an actor's slug on file; import actors.csv first.")
    return actor


def day_of(check: Checker, column: str) -> dt.date | None:
    if not check.row[column].strip():
        check.error(column, "is required: the date it happened, like 2025-03-27.")
        return None
    day = check.date(column)
    if day is not None and day > timezone.localdate():
        check.error(column, "is in the future; record what has happened.")
    return day


def plan_actor(plan: ImportPlan, check: Checker, row: dict, existing: dict) -> None:
    slug = check.slug("slug", Actor._meta.get_field("slug"))
    values = {
        "name": check.text("name", Actor._meta.get_field("name"), required=True),
        "kind": check.choice("kind", ActorKind.values),
        "description": check.text("description", Actor._meta.get_field("description")),
    }
    owner = existing["names"].get(values["name"])
    if owner is not None and owner != slug:
        check.error("name", f"is the name of the actor “{owner}” already; names are unique.")
    if not check.ok:
        return
    actor = existing["actors"].get(slug)
    record(
        plan,
        check.line,
        slug,
        actor,
        values,
        None,
        lambda: Actor.objects.create(slug=slug, **values),
    )


def plan_position(plan: ImportPlan, check: Checker, row: dict, existing: dict) -> None:
    proposal, actor = proposal_of(check, existing), actor_of(check, existing)
    stated_on = day_of(check, "stated_on")
    values = {
        "stance": check.choice("stance", Stance.values),
        "statement": check.text("statement", Position._meta.get_field("statement")),
    }
    if not check.ok:
        return
    key = (proposal.slug, actor.slug, stated_on.isoformat())
    record(
        plan,
        check.line,
        " / ".join(key),
        existing["positions"].get(key),
        values,
        None,
        lambda: Position.objects.create(
            proposal=proposal, actor=actor, stated_on=stated_on, **values
        ),
    )


def plan_commitment(plan: ImportPlan, check: Checker, row: dict, existing: dict) -> None:
    proposal, actor = proposal_of(check, existing), actor_of(check, existing)
    kind = row["layer_kind"].strip()
    layer = existing["layers"].get((proposal.slug, kind)) if proposal else None
    if proposal is not None and layer is None:
        check.error("layer_kind", "is not a layer of this proposal.")
    phase = check.choice("phase", Phase.values)
    unit = check.choice("unit", Unit.values)
    stated_on = day_of(check, "stated_on")
    quantity = None
    if text := row["quantity"].strip().replace(",", ""):
        if not text.isdigit() or len(text) > 18:
            check.error("quantity", "is not a whole number (leave it empty if none is given).")
        else:
            quantity = int(text)
    values = {
        "quantity": quantity,
        "note": check.text("note", Commitment._meta.get_field("note")),
    }
    if not check.ok:
        return
    key = (proposal.slug, actor.slug, kind, phase, unit, stated_on.isoformat())
    record(
        plan,
        check.line,
        " / ".join(key),
        existing["commitments"].get(key),
        values,
        None,
        lambda: Commitment.objects.create(
            layer=layer, actor=actor, phase=phase, unit=unit, stated_on=stated_on, **values
        ),
    )


def plan_status_change(plan: ImportPlan, check: Checker, row: dict, existing: dict) -> None:
    proposal = proposal_of(check, existing)
    slug = row["precondition_slug"].strip()
    precondition = None
    if slug and proposal is not None:
        precondition = existing["preconditions"].get((proposal.slug, slug))
        if precondition is None:
            check.error("precondition_slug", "is not a precondition of this proposal.")
    statuses = PreconditionStatus if slug else ProposalStatus
    changed_on = day_of(check, "changed_on")
    values = {
        "status": check.choice("status", statuses.values),
        "note": check.text("note", StatusChange._meta.get_field("note")),
    }
    if not check.ok:
        return
    key = (proposal.slug, slug, changed_on.isoformat())
    record(
        plan,
        check.line,
        " / ".join(part or "(the proposal)" for part in key),
        existing["status_changes"].get(key),
        values,
        None,
        lambda: StatusChange.objects.create(
            proposal=proposal, precondition=precondition, changed_on=changed_on, **values
        ),
    )


PLANNERS = {
    "actors": plan_actor,
    "positions": plan_position,
    "commitments": plan_commitment,
    "status_changes": plan_status_change,
}
