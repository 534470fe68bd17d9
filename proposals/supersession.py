"""When each dated record stopped being in force, kept by every write.

An actor's stance on a proposal is its latest position; its commitment to a layer, in one unit,
is its latest commitment; a proposal's or a precondition's status on a day is its latest change
by then, or its first change before that (proposals.as_of). Later means later by date, then by
id. Each record stores the date of the record that replaced it (`superseded_on`, None while none
has) and, for status changes, whether it is the first (`is_first`). A save or a delete rewrites
these for its chain, and for the chain it left when its keys changed, in the same transaction;
demo_data's bulk inserts rewrite them for the proposals they add. What was in force on a day is
then a plain filter on each row, instead of a search for a later record beside every row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, Model, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save, pre_save

from .models import Commitment, Position, StatusChange


@dataclass(frozen=True)
class Chain:
    keys: tuple[str, ...]  # records that share these fields form a chain
    date: str = "stated_on"
    marks_first: bool = False  # whether `is_first` is stored too


CHAINS: dict[type[Model], Chain] = {
    Position: Chain(("proposal", "actor")),
    Commitment: Chain(("layer", "actor", "unit")),
    # A proposal's own status changes have no precondition: one chain per proposal.
    StatusChange: Chain(("proposal", "precondition"), "changed_on", marks_first=True),
}


def attnames(model: type[Model]) -> list[str]:
    return [model._meta.get_field(key).attname for key in CHAINS[model].keys]


def refresh(model: type[Model], **chain) -> None:
    """Rewrite the stored dates of the records that match `chain` (every record if empty). A key
    given as None is a chain of records without it (a proposal's own status changes): pass it
    so, since no record equals a missing value in SQL. An update, not a save: no new version,
    no history entry, no signal."""
    date = CHAINS[model].date
    same = {key: None if chain.get(key, ...) is None else OuterRef(key) for key in attnames(model)}
    siblings = model.objects.filter(**same).order_by()
    later = siblings.filter(
        Q(**{f"{date}__gt": OuterRef(date)}) | Q(**{date: OuterRef(date)}, pk__gt=OuterRef("pk"))
    )
    values = {"superseded_on": Subquery(later.order_by(date).values(date)[:1])}
    if CHAINS[model].marks_first:
        earlier = siblings.filter(
            Q(**{f"{date}__lt": OuterRef(date)})
            | Q(**{date: OuterRef(date)}, pk__lt=OuterRef("pk"))
        )
        values["is_first"] = ~Exists(earlier)
    model.objects.filter(**chain).update(**values)


def refresh_proposals(ids: list[int] | None = None) -> None:
    """Rewrite the dates of every record of these proposals (of all if None): after bulk
    inserts, or to mend them."""
    of = {} if ids is None else {"proposal_id__in": ids}
    refresh(Position, **of)
    refresh(Commitment, **({} if ids is None else {"layer__proposal_id__in": ids}))
    refresh(StatusChange, **of, precondition_id=None)
    refresh(StatusChange, **of, precondition_id__isnull=False)


def chain_of(model: type[Model], values) -> dict:
    """{field attname: value} of the chain a record (or a tuple of its keys) belongs to."""
    names = attnames(model)
    if isinstance(values, Model):
        values = [getattr(values, name) for name in names]
    return dict(zip(names, values, strict=True))


def before_save(sender, instance, **kwargs) -> None:
    """Note the chain an edited record is leaving, if its keys change."""
    if instance.pk is None:
        return
    instance._chain_before = (
        sender.objects.filter(pk=instance.pk).values_list(*attnames(sender)).first()
    )


def after_change(sender, instance, **kwargs) -> None:
    chain = chain_of(sender, instance)
    refresh(sender, **chain)
    before = getattr(instance, "_chain_before", None)
    if before is not None:
        instance._chain_before = None
        left = chain_of(sender, before)
        if left != chain:
            refresh(sender, **left)


def connect() -> None:
    for model in CHAINS:
        name = model.__name__
        pre_save.connect(before_save, sender=model, dispatch_uid=f"supersession-pre-{name}")
        post_save.connect(after_change, sender=model, dispatch_uid=f"supersession-save-{name}")
        post_delete.connect(after_change, sender=model, dispatch_uid=f"supersession-del-{name}")
