"""When each actor was involved in each proposal (models.InvolvementSpan) follows every change:
on any day, the spans in force are the backers then and the contributors, as the positions say."""

import datetime as dt

import pytest
from django.core.management import call_command

from proposals import as_of
from proposals.models import Actor, InvolvementSpan, Layer, Position, Proposal, Stance

from .factories import ActorFactory, LayerFactory, PositionFactory, ProposalFactory, layer_kind

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2024, 1, 1), dt.date(2025, 3, 24), dt.date(2025, 3, 25), dt.date(2025, 4, 2)]
DAYS += [dt.date(2025, 6, 30), dt.date(2026, 1, 1), dt.date.today()]


def backers_and_contributors(day: dt.date) -> set[tuple[int, int]]:
    """(actor, proposal) worked out from the positions in force that day and the layers."""
    backers = set(as_of.backers_on(day).values_list("actor_id", "proposal_id"))
    contributors = set(
        Layer.contributors.through.objects.values_list("actor_id", "layer__proposal_id")
    )
    return backers | contributors


def spans_on(day: dt.date) -> list[tuple[int, int]]:
    return sorted(
        InvolvementSpan.objects.filter(as_of.span_on(day)).values_list("actor_id", "proposal")
    )


def check() -> None:
    for day in DAYS:
        spans = spans_on(day)
        assert len(spans) == len(set(spans)), day  # at most one span in force per pair
        assert set(spans) == backers_and_contributors(day), day


def test_spans_follow_positions_contributors_and_deletions(seeded):
    call_command("demo_data", proposals=20, stdout=open("/dev/null", "w"))  # noqa: SIM115
    check()
    plan = ProposalFactory(title="Plan")
    france, italy = ActorFactory(name="Francia"), ActorFactory(name="Italia")
    first = PositionFactory(
        proposal=plan, actor=france, stance=Stance.SUPPORTS, stated_on=dt.date(2025, 3, 25)
    )
    PositionFactory(
        proposal=plan, actor=france, stance=Stance.OPPOSES, stated_on=dt.date(2025, 6, 1)
    )
    PositionFactory(
        proposal=plan, actor=italy, stance=Stance.PROPOSES, stated_on=dt.date(2025, 4, 1)
    )
    check()
    assert (france.pk, plan.pk) in spans_on(dt.date(2025, 4, 2))
    assert (france.pk, plan.pk) not in spans_on(dt.date(2025, 6, 30))

    # A position's date moved, and one on another proposal.
    first.stated_on = dt.date(2025, 1, 1)
    first.save()
    check()
    other = ProposalFactory(title="Other plan")
    first.proposal = other
    first.save()
    check()
    # A contributor is involved on every day, whatever its positions.
    layer = LayerFactory(proposal=plan, kind=layer_kind("air"))
    layer.contributors.add(france)
    check()
    assert (france.pk, plan.pk) in spans_on(dt.date(2025, 6, 30))
    layer.contributors.remove(france)
    check()
    layer.contributors.add(france)
    layer.delete()
    check()
    Position.objects.filter(proposal=plan, actor=italy).delete()
    check()
    # An actor (once its positions are gone), or a proposal, goes with its spans.
    Proposal.objects.get(pk=other.pk).delete()
    check()
    italy.delete()
    Position.objects.filter(actor=france).delete()
    Actor.objects.get(pk=france.pk).delete()
    check()
    assert not InvolvementSpan.objects.filter(actor__in=[france.pk, italy.pk]).exists()


def test_refresh_derived_mends_the_spans(seeded):
    call_command("demo_data", proposals=10, stdout=open("/dev/null", "w"))  # noqa: SIM115
    InvolvementSpan.objects.all().delete()
    call_command("refresh_derived", stdout=open("/dev/null", "w"))  # noqa: SIM115
    check()
    assert InvolvementSpan.objects.exists()
