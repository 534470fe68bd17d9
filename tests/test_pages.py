import pytest
from django.urls import reverse

from proposals.models import Actor, Layer, Proposal

from .factories import ActorFactory, LayerFactory, PreconditionFactory, ProposalFactory, layer_kind

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def titles(response) -> list[str]:
    return [p.title for p in response.context["page_obj"]]


def test_dashboard_shows_counts_matrix_and_recent_changes(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 proposals by status" in html
    counts = {s["value"]: s["count"] for s in response.context["status_counts"]}
    assert counts == {
        "floated": 1,
        "under_discussion": 1,
        "agreed": 0,
        "operational": 0,
        "shelved": 0,
    }
    rows = {row["proposal"].slug: row for row in response.context["matrix_rows"]}
    assert rows[COALITION]["cells"] == [True] * 5
    assert rows[UN]["cells"] == [False, False, True, False, False]
    assert "0 of 3" in html  # the UN mission's preconditions met
    assert [p.slug for p in response.context["recent"]] == [COALITION, UN]


def test_list_shows_both_seed_proposals(client, seeded):
    response = client.get("/proposals/")
    assert response.status_code == 200
    assert sorted(titles(response)) == [
        "Coalition of the willing: multi-layered security concept",
        "UN peacekeeping mission to monitor a ceasefire",
    ]
    assert "2 proposals" in response.content.decode()


def test_status_filter_shows_the_un_mission_and_not_the_coalition(client, seeded):
    response = client.get("/proposals/", {"status": "floated"})
    assert titles(response) == ["UN peacekeeping mission to monitor a ceasefire"]


def test_layer_filter_shows_the_coalition_and_not_the_un_mission(client, seeded):
    response = client.get("/proposals/", {"layer": "naval"})
    assert titles(response) == ["Coalition of the willing: multi-layered security concept"]


def test_precondition_filter_finds_proposals_with_a_precondition_in_that_status(client, seeded):
    assert titles(client.get("/proposals/", {"precondition": "unmet"})) == [
        "UN peacekeeping mission to monitor a ceasefire"
    ]
    assert titles(client.get("/proposals/", {"precondition": "met"})) == []


def test_actor_filter_finds_backers_and_contributors(client, seeded):
    assert titles(client.get("/proposals/", {"actor": "france"})) == [
        "Coalition of the willing: multi-layered security concept"
    ]
    # The plan gives the United States a role; the report records no US stance or commitment.
    # Nor does the UN back or contribute to a mission it says is not planned.
    assert titles(client.get("/proposals/", {"actor": "united-states"})) == []
    assert titles(client.get("/proposals/", {"actor": "united-nations"})) == []
    layer = Layer.objects.get(
        proposal__slug="coalition-of-the-willing-security-concept", kind__slug="air"
    )
    layer.contributors.add(Actor.objects.get(slug="united-states"))
    assert titles(client.get("/proposals/", {"actor": "united-states"})) == [
        "Coalition of the willing: multi-layered security concept"
    ]


def test_filters_combine(client, seeded):
    assert titles(client.get("/proposals/", {"layer": "un_force", "status": "floated"})) == [
        "UN peacekeeping mission to monitor a ceasefire"
    ]
    assert titles(client.get("/proposals/", {"layer": "naval", "status": "floated"})) == []


def test_text_filter_matches_words_anywhere_in_the_proposal(client, seeded):
    assert titles(client.get("/proposals/", {"q": "hypothetical"})) == [
        "UN peacekeeping mission to monitor a ceasefire"
    ]


def test_sort_by_title(client, db):
    for title in ["Bravo", "alpha", "Charlie"]:
        ProposalFactory(title=title)
    assert titles(client.get("/proposals/", {"sort": "title"})) == ["Bravo", "Charlie", "alpha"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"layer": "submarine"},
        {"actor": "nobody"},
        {"precondition": "maybe"},
        {"sort": "random()"},
        {"page": "x"},
        {"page": "999"},
    ],
)
def test_invalid_filter_values_are_explained_and_ignored(client, seeded, params):
    response = client.get("/proposals/", params)
    assert response.status_code == 400
    value = next(iter(params.values()))
    assert f"“{value}”" in response.content.decode()
    assert (
        "is not a value we know" in response.content.decode()
        or "no page" in response.content.decode()
    )
    assert len(titles(response)) == 2


def test_list_paginates_and_keeps_filters_in_page_links(client, db, settings):
    settings.PROPOSALS_PER_PAGE = 3
    for i in range(7):
        ProposalFactory(title=f"Plan {i}", status="agreed")
    response = client.get("/proposals/", {"status": "agreed", "sort": "title"})
    assert titles(response) == ["Plan 0", "Plan 1", "Plan 2"]
    assert "?status=agreed&amp;sort=title&amp;page=2" in response.content.decode()
    response = client.get("/proposals/", {"status": "agreed", "sort": "title", "page": 3})
    assert titles(response) == ["Plan 6"]


def test_proposal_page_shows_everything_a_reader_expects(client, seeded):
    response = client.get(reverse("proposal-detail", args=[UN]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "UN peacekeeping mission to monitor a ceasefire" in html
    assert "Floated" in html
    assert "A mandate for the mission from the UN Security Council." in html
    assert html.count('class="badge badge--unmet"') == 3
    assert "Depends on" in html  # the mandate waits for the ceasefire
    assert "“no such mission is yet planned”" in html
    assert "Jean-Pierre Lacroix, UN Under-Secretary-General for Peace Operations" in html
    assert "News Agency of Nigeria" in html
    assert "25 March 2025" in html and "Brussels" in html
    assert "Last updated" in html


def test_coalition_page_shows_its_five_layers_and_the_paris_summit(client, seeded):
    response = client.get(reverse("proposal-detail", args=[COALITION]))
    html = response.content.decode()
    assert [layer.kind.slug for layer in response.context["layers"]] == [
        "air",
        "naval",
        "un_force",
        "border_training",
        "us_guarantor",
    ]
    for text in ["Satellites, Drones", "Black Sea", "impartial third countries", "western border"]:
        assert text in html
    assert "United States" in html
    assert "27 March 2025" in html and "Paris" in html
    assert "France" in html and "United Kingdom" in html


def test_unknown_proposal_gets_the_sites_404_page(client, db):
    response = client.get("/proposals/no-such-plan/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "Browse all proposals" in html


def test_user_text_is_escaped_on_every_page(client, db):
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    actor = ActorFactory(name=payload)
    proposal = ProposalFactory(title=payload, summary=payload, proponents=[actor])
    layer = LayerFactory(proposal=proposal, kind=layer_kind("air"), area=payload, assets=payload)
    PreconditionFactory(proposal=proposal, description=payload, layer=layer)
    for url in ["/", "/proposals/", proposal.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_healthz_answers_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_pages_refuse_writes(client, seeded):
    assert client.post("/proposals/").status_code == 405
    assert Proposal.objects.count() == 2


def test_favicon_ico_points_at_the_site_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/img/favicon.svg")
    assert client.get(response["Location"]).status_code == 200


def test_dashboard_draws_its_charts_as_svg_with_text_alternatives(client, seeded):
    html = client.get("/").content.decode()
    assert '<title id="status-chart-title">Proposals by status</title>' in html
    assert "Floated: 1; Under discussion: 1; Agreed: 0; Operational: 0; Shelved: 0." in html
    assert 'aria-label="0 met, 0 in progress, 3 unmet"' in html
    assert "style=" not in html


def test_dashboard_matrix_is_paginated(client, db):
    for i in range(30):
        ProposalFactory(title=f"Plan {i:02d}")
    first = client.get("/")
    assert len(first.context["matrix_rows"]) == 25
    second = client.get("/?matrix_page=2")
    assert [row["proposal"].title for row in second.context["matrix_rows"]] == [
        f"Plan {i:02d}" for i in range(25, 30)
    ]
