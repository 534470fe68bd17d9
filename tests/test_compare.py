import datetime as dt

import pytest

from proposals.models import Proposal

from .factories import ActorFactory, PreconditionFactory, ProposalFactory

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
    assert not rows["First in our sources"]["differs"]
    layers = {row["kind"].slug: row for row in response.context["layer_rows"]}
    assert layers["naval"]["differs"] and not layers["un_force"]["differs"]
    assert "0 of 3" in html and "no preconditions recorded" in html
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
    assert "No proposal at /proposals/no-such-plan/; left out." in response.content.decode()
    assert len(response.context["columns"]) == 2


def test_compare_labels_say_what_each_row_holds(client, db):
    france = ActorFactory(name="France")
    with_three = ProposalFactory(
        title="Plan with three", proponents=[france], first_reported=dt.date(2025, 3, 1)
    )
    for _ in range(3):
        PreconditionFactory(proposal=with_three, status="unmet", responsible=france)
    without = ProposalFactory(title="Plan without", first_reported=None)
    response = client.get("/compare/", {"p": [with_three.slug, without.slug]})
    assert response.status_code == 200
    rows = {row["label"]: row["values"] for row in response.context["rows"]}
    assert rows == {
        "Status": ["Floated", "Floated"],
        "First in our sources": ["1 March 2025", ""],
        "Proposed or supported by": ["France", ""],
    }
    html = response.content.decode()
    row_heads = [head.split("<")[0].strip() for head in html.split('<th scope="row">')[1:]]
    for label in [
        "Proposed or supported by",
        "First in our sources",
        "Preconditions met",
        "Each precondition and its status",
        "Actors involved",
        "Sources cited",
    ]:
        assert label in row_heads
    assert "Actors and sources" in html
    for cryptic in ["Who and what sources", ">Met<", ">Each<", "Backed by", "First reported"]:
        assert cryptic not in html
    assert "0 of 3" in html and "no preconditions recorded" in html
    assert "(who must act: France)" in html


def test_readers_cannot_compare_drafts(client, seeded):
    Proposal.objects.filter(slug=UN).update(is_published=False)
    response = client.get(f"/compare/?p={UN}&p={COALITION}")
    assert response.status_code == 400
    assert "UN peacekeeping mission" not in response.content.decode()


def test_the_list_lets_readers_pick_proposals_to_compare(client, seeded):
    html = client.get("/proposals/").content.decode()
    assert 'action="/compare/"' in html
    assert f'name="p" value="{UN}"' in html and "Compare selected" in html
