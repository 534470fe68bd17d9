"""Dated records: backers follow the latest positions, a status is its latest dated change."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from proposals import writes
from proposals.models import Layer, Position, Precondition, Proposal, StatusChange

from .conftest import HTMX
from .factories import ActorFactory, PositionFactory, PreconditionFactory, ProposalFactory

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def backers(proposal: Proposal) -> set[str]:
    return set(proposal.proponents.values_list("slug", flat=True))


def test_backers_are_the_actors_whose_latest_stance_proposes_or_supports(analyst):
    proposal = ProposalFactory()
    france, poland = ActorFactory(slug="france"), ActorFactory(slug="poland")
    for actor, stance, day in [
        (france, "supports", dt.date(2025, 3, 1)),
        (poland, "undecided", dt.date(2025, 3, 1)),
    ]:
        position = Position(proposal=proposal, actor=actor, stance=stance, stated_on=day)
        writes.create(analyst, proposal.pk, lambda position=position: position.save() or position)
    assert backers(proposal) == {"france"}

    later = Position(
        proposal=proposal, actor=france, stance="opposes", stated_on=dt.date(2025, 5, 1)
    )
    writes.create(analyst, proposal.pk, lambda: later.save() or later)
    assert backers(proposal) == set()
    # A stance dated earlier than the one in force does not replace it.
    earlier = Position(
        proposal=proposal, actor=poland, stance="proposes", stated_on=dt.date(2025, 1, 1)
    )
    writes.create(analyst, proposal.pk, lambda: earlier.save() or earlier)
    assert backers(proposal) == set()
    writes.delete(later, later.version, analyst)
    assert backers(proposal) == {"france"}


def test_a_status_change_dated_in_the_past_does_not_replace_a_later_one(analyst_client):
    precondition = PreconditionFactory(status="unmet")
    proposal = precondition.proposal
    url = f"/proposals/{proposal.slug}/preconditions/{precondition.slug}/status/"
    response = analyst_client.post(
        url, {"status": "met", "status_changed_on": "2025-06-01", "version": 1}, **HTMX
    )
    assert response.status_code == 200
    precondition.refresh_from_db()
    assert precondition.status == "met"
    # Recorded later, but it happened earlier: the status in force stays "met".
    analyst_client.post(
        url,
        {
            "status": "in_progress",
            "status_changed_on": "2025-05-01",
            "version": precondition.version,
        },
        **HTMX,
    )
    precondition.refresh_from_db()
    assert precondition.status == "met"
    changes = StatusChange.objects.filter(precondition=precondition).order_by("changed_on")
    assert [(c.changed_on.isoformat(), c.status) for c in changes] == [
        ("2025-05-01", "in_progress"),
        ("2025-06-01", "met"),
    ]


def test_a_status_change_cannot_be_dated_in_the_future(analyst_client):
    precondition = PreconditionFactory(status="unmet")
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = analyst_client.post(
        f"/proposals/{precondition.proposal.slug}/preconditions/{precondition.slug}/status/",
        {"status": "met", "status_changed_on": tomorrow.isoformat(), "version": 1},
        **HTMX,
    )
    assert response.status_code == 422
    assert "cannot be dated in the future" in response.content.decode()
    assert Precondition.objects.get(pk=precondition.pk).status == "unmet"


def test_a_new_proposal_records_its_first_status(analyst_client, seeded):
    analyst_client.post(
        "/proposals/new/",
        {"title": "Joint Commission", "status": "floated", "status_changed_on": "2025-02-01"},
    )
    proposal = Proposal.objects.get(title="Joint Commission")
    assert list(proposal.status_changes.values_list("status", "changed_on")) == [
        ("floated", dt.date(2025, 2, 1))
    ]


def test_seed_corrects_an_earlier_seed_unless_an_analyst_changed_it(seeded, analyst):
    """An earlier seed made the coalition a backer and gave it the air and naval layers."""
    coalition = Proposal.objects.get(slug=COALITION)
    old_backer = ActorFactory(slug="coalition-of-the-willing-old", name="Old coalition")
    PositionFactory(proposal=coalition, actor=old_backer, stance="proposes")
    writes.sync_backers(coalition.pk)
    air = Layer.objects.get(proposal=coalition, kind__slug="air")
    naval = Layer.objects.get(proposal=coalition, kind__slug="naval")
    air.contributors.add(old_backer)
    naval.contributors.add(old_backer)
    # An analyst has since edited the naval layer: the seed leaves it alone.
    naval.area = "Black Sea ports"
    naval._history_user = analyst
    naval.save()

    out = io.StringIO()
    call_command("seed", stdout=out)
    assert "Corrected 2 records of an earlier seed" in out.getvalue()
    assert (
        "Left unchanged, as an analyst has edited it since the seed: the contributors of the "
        f"naval layer of /proposals/{COALITION}/."
    ) in out.getvalue()
    assert not air.contributors.exists()
    assert list(naval.contributors.all()) == [old_backer]
    assert backers(coalition) == {"france", "united-kingdom"}
    assert coalition.positions.count() == 2


def test_demo_data_backers_and_statuses_agree_with_their_dated_records(db):
    call_command("demo_data", proposals=30, stdout=io.StringIO(), stderr=io.StringIO())
    for proposal in Proposal.objects.prefetch_related("positions", "proponents"):
        latest = {}
        for position in sorted(proposal.positions.all(), key=lambda p: (p.stated_on, p.pk)):
            latest[position.actor_id] = position.stance
        current = {actor for actor, stance in latest.items() if stance in ("proposes", "supports")}
        assert {a.pk for a in proposal.proponents.all()} == current
        change = proposal.status_changes.filter(precondition=None).latest("changed_on")
        assert change.status == proposal.status
    assert Position.objects.exists() and StatusChange.objects.exists()


def test_the_dashboard_shows_who_stands_where_and_the_commitments_in_force(client, seeded):
    from .factories import CommitmentFactory

    coalition = Proposal.objects.get(slug=COALITION)
    naval = coalition.layers.get(kind__slug="naval")
    france = coalition.positions.get(actor__slug="france").actor
    CommitmentFactory(layer=naval, actor=france, quantity=2, unit="ships", phase="pledged")
    # Withdrawn later: the withdrawal is in force, not the pledge.
    CommitmentFactory(
        layer=naval,
        actor=france,
        quantity=2,
        unit="ships",
        phase="withdrawn",
        stated_on=dt.date(2025, 6, 1),
    )
    CommitmentFactory(layer=naval, actor=france, quantity=500, unit="troops", phase="pledged")
    html = client.get("/").content.decode()
    assert "Who stands where" in html
    assert '<a href="/actors/france/">France</a>' in html
    assert '<span class="visually-hidden">Proposes</span>' in html  # never colour alone
    totals = html.split('id="commitments-heading"')[1].split("</table>")[0]
    assert '<th scope="row">Pledged</th>\n        <td class="num">1</td>' in totals
    assert "500 troops" in totals
    assert '<th scope="row">Withdrawn</th>\n        <td class="num">1</td>' in totals
