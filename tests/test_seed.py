import datetime as dt

import pytest
from django.core.management import call_command

from proposals.models import (
    Actor,
    Citation,
    Event,
    Layer,
    Precondition,
    Proposal,
    Source,
)

pytestmark = pytest.mark.django_db

MODELS = [Actor, Proposal, Layer, Precondition, Source, Citation, Event]


def snapshot():
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in MODELS
    }


def test_seed_creates_the_two_proposals_of_the_report(seeded):
    un = Proposal.objects.get(slug="un-peacekeeping-mission")
    coalition = Proposal.objects.get(slug="coalition-of-the-willing-security-concept")
    assert un.status == "floated"
    assert coalition.status == "under_discussion"
    assert set(un.preconditions.values_list("slug", "status")) == {
        ("ceasefire-agreement", "unmet"),
        ("security-council-mandate", "unmet"),
        ("russian-consent", "unmet"),
    }
    mandate = un.preconditions.get(slug="security-council-mandate")
    assert mandate.depends_on.slug == "ceasefire-agreement"
    assert mandate.responsible.name == "UN Security Council"
    assert un.preconditions.get(slug="russian-consent").responsible.name == "Russia"
    assert list(coalition.layers.values_list("kind__slug", flat=True)) == [
        "air",
        "naval",
        "un_force",
        "border_training",
        "us_guarantor",
    ]
    assert coalition.layers.get(kind__slug="naval").area == "Black Sea"
    # Backed by France and the United Kingdom, whose positions cite the report's words.
    assert set(coalition.proponents.values_list("name", flat=True)) == {"France", "United Kingdom"}
    for position in coalition.positions.all():
        assert position.stance == "proposes"
        assert position.citations.get().quote == (
            "France and Britain, along with other Ukraine-supporting countries, are working on a "
            "security guarantees plan"
        )
    # The report names no provider for the air and naval layers, and the US guarantor layer is a
    # role the plan gives the US, not a US commitment; the UN does not back its own mission.
    for layer in coalition.layers.filter(kind__slug__in=["air", "naval", "us_guarantor"]):
        assert not layer.contributors.exists(), layer
    un = Proposal.objects.get(slug="un-peacekeeping-mission")
    assert not un.proponents.exists() and not un.positions.exists()
    assert not un.layers.get().contributors.exists()


def test_seed_cites_its_source_for_every_layer_and_precondition_it_quotes(seeded):
    source = Source.objects.get()
    assert "NAN" in source.publisher
    assert Citation.objects.filter(quote="no such mission is yet planned").get().proposal.slug == (
        "un-peacekeeping-mission"
    )
    coalition = Proposal.objects.get(slug="coalition-of-the-willing-security-concept")
    for layer in coalition.layers.all():
        assert layer.citations.exists(), layer


def test_seed_creates_the_brussels_statement_and_the_paris_summit(seeded):
    events = list(Event.objects.values_list("date", "place"))
    assert events == [(dt.date(2025, 3, 25), "Brussels"), (dt.date(2025, 3, 27), "Paris")]
    summit = Event.objects.get(place="Paris")
    assert list(summit.proposals.values_list("slug", flat=True)) == [
        "coalition-of-the-willing-security-concept"
    ]


def test_running_seed_twice_changes_nothing(seeded):
    before = snapshot()
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == before


def test_seed_keeps_what_analysts_changed_or_deleted_since(seeded):
    Proposal.objects.filter(slug="un-peacekeeping-mission").update(status="shelved")
    Layer.objects.filter(kind__slug="naval").delete()
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Proposal.objects.get(slug="un-peacekeeping-mission").status == "shelved"
    assert not Layer.objects.filter(kind__slug="naval").exists()


def test_seed_does_not_bring_back_a_deleted_seed_proposal(seeded):
    Proposal.objects.get(slug="un-peacekeeping-mission").delete()
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Proposal.objects.filter(slug="un-peacekeeping-mission").exists()


def test_the_two_proposals_are_shown_as_one_idea_recorded_twice(client, seeded):
    from proposals.models import ProposalRelation

    relation = ProposalRelation.objects.get()
    assert (relation.proposal.slug, relation.kind, relation.other.slug) == (
        "un-peacekeeping-mission",
        "same_idea_as",
        "coalition-of-the-willing-security-concept",
    )
    un = client.get("/proposals/un-peacekeeping-mission/").content.decode()
    assert "This proposal is the same idea as" in un
    coalition = client.get("/proposals/coalition-of-the-willing-security-concept/").content.decode()
    assert "is the same idea as this proposal" in coalition
    # Removed by an analyst, it is not brought back.
    relation.delete()
    call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not ProposalRelation.objects.exists()
