"""When each dated record stopped being in force: its `superseded_on`, kept by every write.

An actor's stance on a proposal is its latest position; its commitment to a layer, in one unit,
is its latest commitment (later by date, then by id: proposals.as_of.in_force). Each record
stores the date of the record that replaced it, None while none has. A save or a delete rewrites
the dates of its chain, and of the chain it left when its keys changed, in the same transaction;
demo_data's bulk inserts rewrite them all. "In force on a day" is then a plain filter, stated by
then and not replaced by then, instead of a search for a later record beside every row.
"""

from __future__ import annotations

from django.db.models import Model, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save, pre_save

from .models import Commitment, Position

# Records that share these fields form a chain; its latest is the one in force.
CHAINS: dict[type[Model], tuple[str, ...]] = {
    Position: ("proposal", "actor"),
    Commitment: ("layer", "actor", "unit"),
}


def successor_date(model: type[Model]) -> Subquery:
    """The date of the record that follows each one in its chain (None for the latest)."""
    keys = CHAINS[model]
    later = (
        model.objects.filter(**{key: OuterRef(key) for key in keys})
        .filter(
            Q(stated_on__gt=OuterRef("stated_on"))
            | Q(stated_on=OuterRef("stated_on"), pk__gt=OuterRef("pk"))
        )
        .order_by("stated_on")
        .values("stated_on")
    )
    return Subquery(later[:1])


def refresh(model: type[Model], **chain) -> None:
    """Rewrite the dates of the records that match `chain` (all of them if it is empty). An
    update, not a save: no new version, no history entry, no signal."""
    model.objects.filter(**chain).update(superseded_on=successor_date(model))


def refresh_all() -> None:
    for model in CHAINS:
        refresh(model)


def chain_of(model: type[Model], values) -> dict:
    """{field attname: value} of the chain a record (or a row of its values) belongs to."""
    names = [model._meta.get_field(key).attname for key in CHAINS[model]]
    if isinstance(values, Model):
        values = [getattr(values, name) for name in names]
    return dict(zip(names, values, strict=True))


def before_save(sender, instance, **kwargs) -> None:
    """Note the chain an edited record is leaving, if its keys change."""
    if instance.pk is None:
        return
    names = list(chain_of(sender, instance))
    instance._chain_before = sender.objects.filter(pk=instance.pk).values_list(*names).first()


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
