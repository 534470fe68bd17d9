"""CSV import: the inverse of the exports. Every row is checked first; then all or nothing.

Rows are matched by the identities of CONTRACT.md (a proposal by `slug`, a layer by
(`proposal_slug`, `kind`), a precondition by (`proposal_slug`, `slug`)) and created or updated;
rows absent from the file are never deleted. Derived columns (`updated_at`, `url`, counts) are
ignored, and the apostrophe that the export puts before formula-like text is taken off again, so
an export imported back is the same data: nothing changes and no history is written.

The preview records the version of every record the file names; applying checks the file again
with those records locked (proposals.writes' order) and refuses if any of them has moved since.
"""

from __future__ import annotations

from django.utils import timezone

from . import import_dated, writes
from .exports import LIST_SEPARATOR
from .import_rows import (
    Checker,
    ImportPlan,
    ImportRefused,
    Moved,
    locked,
    read_rows,
    record,
)
from .models import (
    Actor,
    ImportBatch,
    Layer,
    LayerKind,
    Precondition,
    PreconditionStatus,
    Proposal,
    RetiredSlug,
    new_proposal_slug_error,
)


class AlreadyApplied(Exception):
    """The batch was applied before (a second click on Apply, say); nothing more is written."""

    def __init__(self, batch: ImportBatch):
        super().__init__(f"The import was applied at {batch.applied_at:%H:%M:%S} UTC.")
        self.batch = batch


class ImportMoved(Exception):
    """Records the file names moved on since the preview; nothing was written."""

    def __init__(self, moved: list[Moved]):
        super().__init__(f"{len(moved)} record(s) changed since the preview; nothing was written.")
        self.moved = moved


def plan_import(content: bytes, kind: str, lock: bool = False) -> ImportPlan:
    """Check every row against the database and say what applying the file would do.

    With `lock` (inside proposals.writes.change), the proposals the file names are locked first,
    then the records it names, so that nobody changes them until the change ends.
    """
    plan = ImportPlan(kind)
    rows = read_rows(content, kind)
    if kind in import_dated.PLANNERS:
        return plan_dated(plan, kind, rows, lock)
    actors = {actor.name: actor for actor in Actor.objects.all()}
    kinds = {k.slug: k for k in LayerKind.objects.all()}
    seen: dict[tuple, int] = {}
    planner = {"proposals": plan_proposal, "layers": plan_layer, "preconditions": plan_precondition}
    existing = load_existing(kind, rows, lock)
    for line, row in rows:
        check = Checker(plan.errors, line, row)
        identity = identity_of(kind, row)
        if identity in seen:
            check.error(
                "slug" if kind != "layers" else "kind",
                f"repeats the row of line {seen[identity]}: each one may appear once.",
            )
            continue
        seen[identity] = line
        planner[kind](plan, check, row, existing, actors, kinds)
    return plan


def plan_dated(plan: ImportPlan, kind: str, rows, lock: bool) -> ImportPlan:
    existing = import_dated.load(kind, rows, lock)
    seen: dict[tuple, int] = {}
    for line, row in rows:
        check = Checker(plan.errors, line, row)
        identity = import_dated.identity(kind, row)
        if identity in seen:
            check.error(
                import_dated.IDENTITY[kind][-1],
                f"repeats the row of line {seen[identity]}: each one may appear once.",
            )
            continue
        seen[identity] = line
        import_dated.PLANNERS[kind](plan, check, row, existing)
    return plan


def identity_of(kind: str, row: dict[str, str]) -> tuple:
    if kind == "proposals":
        return (row["slug"].strip(),)
    if kind == "layers":
        return (row["proposal_slug"].strip(), row["kind"].strip())
    return (row["proposal_slug"].strip(), row["slug"].strip())


def load_existing(kind: str, rows, lock: bool) -> dict:
    slugs = {
        row.get("slug" if kind == "proposals" else "proposal_slug", "").strip() for _, row in rows
    }
    proposals = Proposal.objects.filter(slug__in=slugs).order_by("pk")
    if lock:
        writes.lock_proposals(proposals.values_list("pk", flat=True))
    existing = {"proposals": {p.slug: p for p in proposals.prefetch_related("proponents")}}
    if kind == "proposals":
        existing["retired"] = set(
            RetiredSlug.objects.filter(slug__in=slugs).values_list("slug", flat=True)
        )
    layers = Layer.objects.filter(proposal__slug__in=slugs).select_related("proposal", "kind")
    if kind == "layers":
        layers = locked(layers, lock).prefetch_related("contributors")
    if kind in {"layers", "preconditions"}:
        existing["layers"] = {(layer.proposal.slug, layer.kind.slug): layer for layer in layers}
    if kind == "preconditions":
        preconditions = Precondition.objects.filter(proposal__slug__in=slugs).select_related(
            "proposal", "responsible", "layer__kind"
        )
        existing["preconditions"] = {
            (p.proposal.slug, p.slug): p for p in locked(preconditions, lock)
        }
    return existing


def status_imported(record: Proposal | Precondition) -> Proposal | Precondition:
    """A status set by an import is a change of today, like one made in the editing forms."""
    precondition = record if isinstance(record, Precondition) else None
    writes.record_status_change(
        precondition.proposal if precondition else record,
        precondition,
        record.status,
        timezone.localdate(),
        "Set by a CSV import.",
    )
    return record


def status_if_changed(record: Proposal | Precondition, changes: list[str]) -> None:
    if "status" in changes:
        status_imported(record)


def plan_proposal(plan, check, row, existing, actors, kinds) -> None:
    values = {
        "title": check.text("title", Proposal._meta.get_field("title"), required=True),
        "status": check.choice("status", Proposal.Status.values),
        "summary": check.text("summary", Proposal._meta.get_field("summary")),
        "first_reported": check.date("first_reported"),
    }
    slug = row["slug"].strip()
    proposal = existing["proposals"].get(slug)
    if proposal is None and (error := new_proposal_slug_error(slug, existing["retired"])):
        check.error("slug", error)
    # `proponents` is derived from the positions (positions.csv), like `layer_kinds`: not read.
    if not check.ok:
        return

    def create():
        return status_imported(Proposal.objects.create(slug=slug, **values))

    record(plan, check.line, slug, proposal, values, None, create, status_if_changed)


def plan_layer(plan, check, row, existing, actors, kinds) -> None:
    proposal = existing["proposals"].get(row["proposal_slug"].strip())
    if proposal is None:
        check.error("proposal_slug", "is not a proposal on file; import the proposals first.")
    kind = kinds.get(row["kind"].strip())
    if kind is None:
        check.error("kind", f"is not a layer kind; known kinds: {', '.join(kinds)}.")
    values = {
        "description": check.text(
            "description", Layer._meta.get_field("description"), required=True
        ),
        "area": check.text("area", Layer._meta.get_field("area")),
        "assets": "\n".join(
            a.strip() for a in row["assets"].split(LIST_SEPARATOR.strip()) if a.strip()
        ),
    }
    contributors = check.actors("contributors", actors)
    if not check.ok:
        return
    layer = existing["layers"].get((proposal.slug, kind.slug))

    def create():
        new = Layer.objects.create(proposal=proposal, kind=kind, **values)
        new.contributors.set(contributors)
        return new

    record(
        plan,
        check.line,
        f"{proposal.slug} / {kind.slug}",
        layer,
        values,
        {"contributors": contributors},
        create,
    )


def plan_precondition(plan, check, row, existing, actors, kinds) -> None:
    proposal = existing["proposals"].get(row["proposal_slug"].strip())
    if proposal is None:
        check.error("proposal_slug", "is not a proposal on file; import the proposals first.")
    slug = check.slug("slug", Precondition._meta.get_field("slug"))
    values = {
        "description": check.text(
            "description", Precondition._meta.get_field("description"), required=True
        ),
        "status": check.choice("status", PreconditionStatus.values),
    }
    responsible_name = row["responsible"].strip()
    values["responsible"] = actors.get(responsible_name) if responsible_name else None
    if responsible_name and values["responsible"] is None:
        check.error("responsible", "is not an actor on file. Add it first.")
    layer_kind = row["layer_kind"].strip()
    values["layer"] = None
    if layer_kind and proposal is not None:
        values["layer"] = existing["layers"].get((proposal.slug, layer_kind))
        if values["layer"] is None:
            check.error("layer_kind", "is not a layer of this proposal.")
    if not check.ok:
        return
    precondition = existing["preconditions"].get((proposal.slug, slug))

    def create():
        return status_imported(Precondition.objects.create(proposal=proposal, slug=slug, **values))

    identity = f"{proposal.slug} / {slug}"
    record(plan, check.line, identity, precondition, values, None, create, status_if_changed)


def apply_import(
    content: bytes, kind: str, versions: dict[str, int | None], user=None, on_progress=None
) -> ImportPlan:
    """Check the file again with its records locked, then write every row; all or nothing.

    Refused (ImportMoved) if any record moved on from the `versions` the preview saw.
    """
    with writes.change(user):
        plan = plan_import(content, kind, lock=True)
        if plan.errors:
            raise ImportRefused(f"{len(plan.errors)} row(s) have errors; nothing was written.")
        if moved := plan.moved_since(versions):
            raise ImportMoved(moved)
        rows = [row for row in plan.rows if row.apply is not None]
        for done, row in enumerate(rows, start=1):
            row.apply()
            if on_progress and (done % 500 == 0 or done == len(rows)):
                on_progress(done, len(rows))
    return plan


def apply_batch(batch_id: int, user) -> tuple[ImportBatch, ImportPlan]:
    """Apply an uploaded batch exactly once (its row is locked before anything else)."""
    with writes.change(user):
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.applied_at is not None:
            raise AlreadyApplied(batch)
        plan = apply_import(bytes(batch.content), batch.kind, batch.versions, user)
        batch.applied_at = timezone.now()
        batch.content = b""  # applied: the history keeps what changed
        batch.save(update_fields=["applied_at", "content"])
    return batch, plan
