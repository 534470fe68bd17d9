import pytest

from proposals.models import Proposal

from .factories import ProposalFactory

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def test_comparing_the_two_seed_proposals_shows_their_differences(client, seeded):
    response = client.get(f"/compare/?p={UN}&p={COALITION}")
    assert response.status_code == 200
    html = response.content.decode()
    assert [c["proposal"].slug for c in response.context["columns"]] == [UN, COALITION]
    rows = {row["label"]: row for row in response.context["rows"]}
    assert rows["Status"]["values"] == ["Floated", "Under discussion"]
    assert rows["Status"]["differs"]
    assert not rows["First reported"]["differs"]
    layers = {row["kind"].slug: row for row in response.context["layer_rows"]}
    assert layers["naval"]["differs"] and not layers["un_force"]["differs"]
    assert "0 of 3" in html and "none listed" in html
    assert html.count('class="differs"') >= 6


def test_compare_needs_two_proposals(client, seeded):
    response = client.get(f"/compare/?p={UN}")
    assert response.status_code == 400
    assert "Choose at least two proposals" in response.content.decode()
    assert client.get("/compare/").status_code == 400


def test_compare_explains_unknown_and_surplus_proposals(client, db):
    slugs = [ProposalFactory().slug for _ in range(5)]
    response = client.get("/compare/", {"p": [*slugs, "no-such-plan"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Up to 4 proposals" in html
    assert len(response.context["columns"]) == 4
    response = client.get("/compare/", {"p": [slugs[0], slugs[1], "no-such-plan"]})
    assert "No proposal at “no-such-plan”" in response.content.decode()
    assert len(response.context["columns"]) == 2


def test_readers_cannot_compare_drafts(client, seeded):
    Proposal.objects.filter(slug=UN).update(is_published=False)
    response = client.get(f"/compare/?p={UN}&p={COALITION}")
    assert response.status_code == 400
    assert "UN peacekeeping mission" not in response.content.decode()


def test_the_list_lets_readers_pick_proposals_to_compare(client, seeded):
    html = client.get("/proposals/").content.decode()
    assert 'action="/compare/"' in html
    assert f'name="p" value="{UN}"' in html and "Compare selected" in html
