"""Who is involved in each proposal, kept in step with the data: today (models.Involvement), and
on any past day (models.InvolvementSpan).

A proposal's rows are rewritten, in the same transaction, wherever its search document is
(proposals.search: every change to it, its layers, their contributors or its proponents, and
the bulk inserts of demo_data), and after every save or delete of one of its positions (once
proposals.supersession has dated it), so the rows of today are always the union of its
proponents and its layers' contributors, and its spans those of the positions that backed it
and of its contributors.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save, pre_save

from .models import BACKING, Involvement, InvolvementSpan, Layer, Position, Proposal

CHUNK = 500


def actors_of(proposal_ids: list[int]) -> set[tuple[int, int]]:
    """(proposal, actor) of the proponents and contributors of these proposals."""
    backers = Proposal.proponents.through.objects.filter(proposal_id__in=proposal_ids)
    return set(backers.values_list("proposal_id", "actor_id")) | contributors_of(proposal_ids)


def contributors_of(proposal_ids: list[int]) -> set[tuple[int, int]]:
    """(proposal, actor) of the contributors to the layers of these proposals."""
    contributors = Layer.contributors.through.objects.filter(layer__proposal_id__in=proposal_ids)
    return set(contributors.values_list("layer__proposal_id", "actor_id"))


def spans_of(proposal_ids: list[int]) -> list[InvolvementSpan]:
    """A contributor is involved always; any other actor while a position of it backed the
    proposal (as proposals.as_of.backers_on reads them)."""
    contributing = contributors_of(proposal_ids)
    spans = [
        InvolvementSpan(proposal_id=proposal, actor_id=actor)
        for proposal, actor in sorted(contributing)
    ]
    backing = (
        Position.objects.filter(proposal_id__in=proposal_ids, stance__in=BACKING)
        .order_by("proposal_id", "actor_id", "stated_on", "pk")
        .values_list("proposal_id", "actor_id", "stated_on", "superseded_on")
    )
    for proposal, actor, since, until in backing:
        if (proposal, actor) not in contributing and (until is None or until > since):
            spans.append(
                InvolvementSpan(proposal_id=proposal, actor_id=actor, since=since, until=until)
            )
    return spans


def refresh(proposal_ids: Iterable[int], today: bool = True) -> None:
    """Rewrite the rows of these proposals: their spans, and with `today` who is involved today
    (which a position changes only through the proponents it sets: proposals.writes)."""
    ids = sorted(set(proposal_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if today:
            Involvement.objects.filter(proposal_id__in=chunk).delete()
            Involvement.objects.bulk_create(
                [Involvement(proposal_id=p, actor_id=a) for p, a in sorted(actors_of(chunk))]
            )
        InvolvementSpan.objects.filter(proposal_id__in=chunk).delete()
        InvolvementSpan.objects.bulk_create(spans_of(chunk))


def before_position_save(sender, instance, **kwargs) -> None:
    """Note the proposal a position was on before an edit (it may move to another)."""
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._involvement_before = (
        Position.objects.filter(pk=instance.pk).values_list("proposal_id", flat=True).first()
    )


def after_position_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    from . import search  # which imports this module

    before = getattr(instance, "_involvement_before", None)
    instance._involvement_before = None
    ids = {instance.proposal_id} | ({before} if before else set())
    if not search.defer(ids):
        refresh(ids, today=False)


def connect() -> None:
    """After proposals.supersession's receivers, so that the positions are dated first."""
    pre_save.connect(before_position_save, sender=Position, dispatch_uid="involvement-pre-save")
    post_save.connect(after_position_change, sender=Position, dispatch_uid="involvement-save")
    post_delete.connect(after_position_change, sender=Position, dispatch_uid="involvement-del")
