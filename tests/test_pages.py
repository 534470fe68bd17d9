import datetime as dt

import pytest
from django.urls import reverse

from proposals.models import Actor, Layer, Proposal

from .factories import (
    ActorFactory,
    LayerFactory,
    PositionFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

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
        "UN peacekeeping mission to monitor a possible future ceasefire",
    ]
    assert "2 proposals" in response.content.decode()


def test_status_filter_shows_the_un_mission_and_not_the_coalition(client, seeded):
    response = client.get("/proposals/", {"status": "floated"})
    assert titles(response) == ["UN peacekeeping mission to monitor a possible future ceasefire"]


def test_layer_filter_shows_the_coalition_and_not_the_un_mission(client, seeded):
    response = client.get("/proposals/", {"layer": "naval"})
    assert titles(response) == ["Coalition of the willing: multi-layered security concept"]


def test_precondition_filter_finds_proposals_with_a_precondition_in_that_status(client, seeded):
    assert titles(client.get("/proposals/", {"precondition": "unmet"})) == [
        "UN peacekeeping mission to monitor a possible future ceasefire"
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
        "UN peacekeeping mission to monitor a possible future ceasefire"
    ]
    assert titles(client.get("/proposals/", {"layer": "naval", "status": "floated"})) == []


def test_text_filter_matches_words_anywhere_in_the_proposal(client, seeded):
    assert titles(client.get("/proposals/", {"q": "hypothetical"})) == [
        "UN peacekeeping mission to monitor a possible future ceasefire"
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
    # The reader's value, named as typed: never in quotation marks, which mean a source's words.
    assert any(value in problem for problem in response.context["problems"])
    assert f"“{value}”" not in response.content.decode()
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
    assert "UN peacekeeping mission to monitor a possible future ceasefire" in html
    assert "Floated" in html
    assert (
        "A mandate from the UN Security Council, before concrete planning of the mission could begin."
        in html
    )
    assert html.count('class="badge badge--unmet"') == 3
    assert "Depends on" not in html  # the report names both as needed, in no order
    assert "“no such mission is yet planned”" in html
    assert "Jean-Pierre Lacroix, UN Under-Secretary-General, <time" in html
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


def test_the_404_page_says_why_an_address_can_be_empty_and_offers_the_list_and_search(client, db):
    # An address never changes and is never reused: it can only be mistyped, deleted or unpublished.
    ProposalFactory(slug="drafted", is_published=False)
    for url in ["/proposals/no-such-plan/", "/proposals/drafted/"]:
        html = client.get(url).content.decode()
        assert "renamed" not in html
        assert "the address is mistyped" in html
        assert "has been deleted or is not published" in html
        assert "A proposal's address never changes" in html
        assert 'href="/proposals/"' in html
        assert '<form class="notice-page__search" method="get" action="/proposals/"' in html
        assert 'name="q"' in html
    # As of a past day, the proposal may simply not have been reported yet.
    ProposalFactory(slug="later", first_reported=dt.date(2025, 9, 1))
    html = client.get("/proposals/later/", {"as_of": "2025-04-01"}).content.decode()
    assert "may not have appeared in our sources by then" in html
    assert '<a href="/proposals/later/">See this address as of today</a>' in html


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


def test_the_dashboard_headline_speaks_of_proposals_for_a_future_ceasefire(client, db):
    html = client.get("/").content.decode()
    assert "<h1>Proposals to monitor and guarantee a future Russia–Ukraine ceasefire</h1>" in html
    assert "Monitoring a Russia–Ukraine ceasefire" not in html
    assert "Commitments on record" in html and "Commitments in force" not in html


def test_the_dashboard_key_names_each_stance_as_its_cells_do(client, db):
    PositionFactory(stance="conditional")
    html = client.get("/").content.decode()
    assert '<span class="stance stance--conditional">±</span> Supports on conditions' in html
    assert '<span class="visually-hidden">Supports on conditions</span>' in html


def test_the_list_tells_no_preconditions_recorded_from_none_met(client, db):
    with_none = ProposalFactory(title="Plan without preconditions")
    with_three = ProposalFactory(title="Plan with three")
    for _ in range(3):
        PreconditionFactory(proposal=with_three, status="unmet")
    PreconditionFactory(proposal=ProposalFactory(title="Plan half met"), status="met")
    html = client.get("/proposals/").content.decode()
    cards = {
        title: html.split(f">{title}</a>")[1].split("</li>")[0]
        for title in ["Plan without preconditions", "Plan with three", "Plan half met"]
    }
    assert "No preconditions recorded" in cards["Plan without preconditions"]
    assert "Preconditions met: 0 of 3" in cards["Plan with three"]
    assert "Preconditions met: 1 of 1" in cards["Plan half met"]
    assert "none listed" not in html
    assert with_none.pk and with_three.pk


def test_the_list_says_who_proposes_or_supports_and_when_a_proposal_first_appeared(client, db):
    ProposalFactory(title="Backed plan", proponents=[ActorFactory(name="France")])
    ProposalFactory(title="Lonely plan")
    html = client.get("/proposals/").content.decode()
    assert "Backed by" not in html and "First reported" not in html
    assert "<dt>Proposed or supported by</dt><dd>France</dd>" in html
    assert (
        '<dt>Proposed or supported by</dt><dd><span class="muted">no one named in our sources</span>'
        in html
    )
    assert 'First in our sources: <time datetime="2025-03-25">25 March 2025</time>' in html
    # The filters say what they do.
    assert '<label for="facet-actor">Proposed, supported or contributed to by</label>' in html
    assert "<legend>First in our sources</legend>" in html
    assert "<legend>Has these layers</legend>" in html
    assert "First in our sources (newest first)" in html


def test_a_search_is_named_without_quotation_marks(client, db):
    ProposalFactory(title="Black Sea patrol")
    response = client.get("/proposals/", {"q": "Patrol"})
    html = response.content.decode()
    assert "1 proposal matches the search <strong>Patrol</strong>" in html
    assert "<title>Search: Patrol · Proposals" in html
    assert "“Patrol”" not in html
    html = client.get("/proposals/", {"q": "nothing-like-it"}).content.decode()
    assert "No proposal matches the search <strong>nothing-like-it</strong>" in html


def test_dashboard_matrix_is_paginated(client, db):
    for i in range(30):
        ProposalFactory(title=f"Plan {i:02d}")
    first = client.get("/")
    assert len(first.context["matrix_rows"]) == 25
    second = client.get("/?matrix_page=2")
    assert [row["proposal"].title for row in second.context["matrix_rows"]] == [
        f"Plan {i:02d}" for i in range(25, 30)
    ]
