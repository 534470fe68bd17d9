"""The read-only JSON API, as a script or a notebook sees it."""

import csv
import datetime as dt
import io
import json

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import (
    CitationKind,
    Proposal,
    ProposalRelation,
    RelationKind,
    Stance,
    StatusChange,
)

from .factories import (
    ActorFactory,
    CitationFactory,
    CommitmentFactory,
    LayerFactory,
    PositionFactory,
    ProposalFactory,
    full_proposal,
)

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"
PROPOSAL_COLUMNS = [
    "slug",
    "title",
    "status",
    "proponents",
    "summary",
    "first_reported",
    "layer_kinds",
    "preconditions_met",
    "preconditions_total",
    "updated_at",
    "url",
]


def get_json(client, url: str, status: int = 200, **headers) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    return response.json()


def slugs(client, url: str) -> list[str]:
    return [row["slug"] for row in get_json(client, url)["results"]]


def test_the_list_has_the_csv_columns_and_links(client, seeded):
    data = get_json(client, "/api/proposals/")
    assert data["count"] == 2
    assert data["next"] is None
    row = next(r for r in data["results"] if r["slug"] == COALITION)
    assert list(row)[: len(PROPOSAL_COLUMNS)] == PROPOSAL_COLUMNS
    assert row["status"] == "under_discussion"
    assert {p["slug"] for p in row["proponents"]} == {"france", "united-kingdom"}
    assert row["layer_kinds"] == ["air", "naval", "un_force", "border_training", "us_guarantor"]
    assert row["first_reported"] == "2025-03-25"
    assert row["updated_at"].endswith("Z")
    assert row["url"] == f"http://testserver/proposals/{COALITION}/"
    assert get_json(client, row["api_url"])["slug"] == COALITION


FILTERED_VIEWS = [
    "",
    "status=floated",
    "status=floated&status=agreed",
    "layer=air&layer=naval",
    "actor=shared-backer",
    "precondition=unmet",
    "q=drones",
    "reported_after=2025-03-23&sort=title",
    "sort=-first_reported",
    "status=&layer=",  # empty values are no filter, as on the page
]


def test_the_list_takes_the_filters_of_proposals_and_gives_what_the_csv_gives(client):
    shared = ActorFactory(slug="shared-backer")
    for i in range(6):
        proposal = full_proposal(
            n_layers=1 + i % 3,
            n_preconditions=i % 3,
            status=Proposal.Status.values[i % 3],
            first_reported=dt.date(2025, 3, 20 + i),
        )
        if i % 2:
            proposal.proponents.add(shared)
    ProposalFactory(is_published=False, title="A draft about drones")
    for query in FILTERED_VIEWS:
        exported = client.get(f"/export/proposals.csv?{query}")
        content = b"".join(exported.streaming_content).decode("utf-8-sig")
        expected = [row["slug"] for row in csv.DictReader(io.StringIO(content))]
        assert slugs(client, f"/api/proposals/?page_size=100&{query}") == expected, query
        assert expected, query  # every view here shows something


def test_a_value_the_filters_do_not_know_is_a_400_that_names_it(client, seeded):
    assert "status" in get_json(client, "/api/proposals/?status=bogus", 400)
    assert "layer" in get_json(client, "/api/proposals/?layer=nowhere", 400)
    assert "actor" in get_json(client, "/api/proposals/?actor=nobody", 400)
    assert "reported_after" in get_json(client, "/api/proposals/?reported_after=soon", 400)
    assert "as_of" in get_json(client, "/api/proposals/?as_of=yesterday", 400)
    assert "as_of" in get_json(client, f"/api/proposals/{UN}/?as_of=2025-13-01", 400)
    assert get_json(client, "/api/proposals/?page=99", 404)["detail"]
    assert get_json(client, "/api/proposals/?page=x", 404)["detail"]
    assert "limit" in get_json(client, "/api/changes/?limit=0", 400)
    assert "before" in get_json(client, "/api/changes/?before=tomorrow", 400)
    assert "kind" in get_json(client, "/api/actors/?kind=planet", 400)
    assert "positions_page" in get_json(client, "/api/actors/france/?positions_page=x", 404)
    assert get_json(client, "/api/no-such-thing/", 404)["detail"]


def test_pages_link_to_each_other(client, db):
    for _ in range(30):
        ProposalFactory()
    first = get_json(client, "/api/proposals/?sort=title")
    assert first["count"] == 30 and len(first["results"]) == 25
    second = get_json(client, first["next"])
    assert len(second["results"]) == 5 and second["next"] is None
    assert get_json(client, second["previous"])["results"] == first["results"]
    assert len(get_json(client, "/api/proposals/?page_size=1000")["results"]) == 30


def test_a_proposal_holds_everything_recorded_on_it_with_its_sources(client, seeded):
    data = get_json(client, f"/api/proposals/{COALITION}/")
    assert data["status"] == "under_discussion"
    assert [layer["kind"] for layer in data["layers"]] == [
        "air",
        "naval",
        "un_force",
        "border_training",
        "us_guarantor",
    ]
    for key in ("preconditions", "positions", "commitments", "status_changes", "relations"):
        assert isinstance(data[key], list)
    assert data["positions"] and data["status_changes"] and data["relations"]
    naval = next(layer for layer in data["layers"] if layer["kind"] == "naval")
    # The source's hedge is kept, and the quote is the source's exact words.
    quote = naval["citations"][0]
    assert quote["kind"] == "quote"
    assert quote["source"]["publisher"].startswith("dpa")
    assert quote["source"]["page_url"].startswith("http://testserver/sources/")
    assert "may" in naval["description"]
    # Every claim the page shows is cited in the API too.
    assert all(record["citations"] for record in data["positions"] + data["status_changes"])
    un = get_json(client, f"/api/proposals/{UN}/")
    assert un["preconditions_total"] == len(un["preconditions"]) == 3
    assert {p["slug"] for p in un["preconditions"]} == {
        "ceasefire-agreement",
        "security-council-mandate",
        "russian-consent",
    }


def test_paraphrases_are_kinds_of_their_own_never_quotes(client, db):
    proposal = ProposalFactory()
    CitationFactory(proposal=proposal, kind=CitationKind.PARAPHRASE, text="It may be done.")
    citation = get_json(client, f"/api/proposals/{proposal.slug}/")["citations"][0]
    assert citation["kind"] == "paraphrase"
    assert citation["text"] == "It may be done."


def test_as_of_gives_the_picture_known_on_that_day(client, db):
    proposal = ProposalFactory(status=Proposal.Status.FLOATED, first_reported=dt.date(2025, 3, 1))
    StatusChange.objects.create(
        proposal=proposal, status=Proposal.Status.FLOATED, changed_on=dt.date(2025, 3, 1)
    )
    StatusChange.objects.create(
        proposal=proposal, status=Proposal.Status.AGREED, changed_on=dt.date(2025, 4, 1)
    )
    actor = ActorFactory()
    PositionFactory(proposal=proposal, actor=actor, stance=Stance.OPPOSES, stated_on="2025-03-02")
    PositionFactory(proposal=proposal, actor=actor, stance=Stance.SUPPORTS, stated_on="2025-04-02")
    later = ProposalFactory(first_reported=dt.date(2025, 5, 1))
    march = get_json(client, f"/api/proposals/{proposal.slug}/?as_of=2025-03-15")
    assert march["status"] == "floated"
    assert march["as_of"] == "2025-03-15"
    assert [p["stance"] for p in march["positions"]] == ["opposes"]
    assert march["proponents"] == []
    april = get_json(client, f"/api/proposals/{proposal.slug}/?as_of=2025-04-15")
    assert april["status"] == "agreed"
    assert april["proponents"] == [{"slug": actor.slug, "name": actor.name}]
    listed = get_json(client, "/api/proposals/?as_of=2025-03-15&status=floated")
    assert [row["slug"] for row in listed["results"]] == [proposal.slug]
    assert get_json(client, "/api/proposals/?as_of=2025-03-15&status=agreed")["count"] == 0
    not_yet = get_json(client, f"/api/proposals/{later.slug}/?as_of=2025-03-15", 404)
    assert "2025-03-15" in not_yet["detail"]


def test_drafts_never_appear_even_to_an_analyst(analyst_client, seeded):
    draft = full_proposal(is_published=False, title="Secret draft plan")
    published = Proposal.objects.get(slug=UN)
    ProposalRelation.objects.create(
        proposal=published, kind=RelationKind.COMPETES_WITH, other=draft
    )
    actor = ActorFactory(slug="draft-backer")
    PositionFactory(proposal=draft, actor=actor)
    CommitmentFactory(layer=draft.layers.first(), actor=actor)
    for url in [
        "/api/proposals/",
        "/api/proposals/?page_size=100&q=secret",
        f"/api/proposals/{UN}/",
        "/api/actors/draft-backer/",
        "/api/changes/?limit=200",
    ]:
        response = analyst_client.get(url)
        assert response.status_code == 200, url
        assert draft.slug not in response.content.decode()
        assert "Secret draft" not in response.content.decode(), url
    assert analyst_client.get(f"/api/proposals/{draft.slug}/").status_code == 404
    actor_data = get_json(analyst_client, "/api/actors/draft-backer/")
    assert actor_data["positions"]["count"] == actor_data["commitments"]["count"] == 0


def test_an_actor_with_its_positions_and_commitments(client, db):
    actor = ActorFactory(slug="pledger", name="Pledger")
    proposals = [full_proposal() for _ in range(3)]
    for i, proposal in enumerate(proposals):
        position = PositionFactory(proposal=proposal, actor=actor, stated_on=f"2025-03-2{i}")
        CitationFactory(position=position)
        CommitmentFactory(layer=proposal.layers.first(), actor=actor, quantity=100 * (i + 1))
    data = get_json(client, "/api/actors/pledger/")
    assert data["name"] == "Pledger" and data["kind"] == "state"
    assert data["positions"]["count"] == 3
    assert [p["stated_on"] for p in data["positions"]["results"]] == [
        "2025-03-22",
        "2025-03-21",
        "2025-03-20",
    ]
    assert data["positions"]["results"][0]["proposal_slug"] == proposals[2].slug
    assert data["positions"]["results"][0]["citations"][0]["kind"] == "quote"
    assert sorted(c["quantity"] for c in data["commitments"]["results"]) == [100, 200, 300]
    assert get_json(client, "/api/actors/nobody/", 404)["detail"]
    listed = get_json(client, "/api/actors/?kind=state&page_size=100")
    assert "pledger" in [row["slug"] for row in listed["results"]]
    assert list(listed["results"][0])[:5] == ["slug", "name", "kind", "description", "updated_at"]


def test_every_write_is_refused_with_405(analyst_client, seeded):
    urls = ["/api/", "/api/proposals/", f"/api/proposals/{UN}/", "/api/actors/", "/api/changes/"]
    for url in urls:
        for method in ["post", "put", "patch", "delete"]:
            response = getattr(analyst_client, method)(
                url, data=json.dumps({"title": "x"}), content_type="application/json"
            )
            assert response.status_code == 405, (method, url)
            assert "GET" in response["Allow"]
    assert Proposal.objects.filter(title="x").count() == 0


def test_any_site_may_read_the_api_and_the_feeds_but_not_the_pages(client, seeded):
    origin = {"HTTP_ORIGIN": "https://newsroom.example"}
    for url in ["/api/proposals/", f"/api/proposals/{UN}/", "/feeds/changes.atom"]:
        response = client.get(url, **origin)
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/proposals/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", **origin
    )
    assert preflight.status_code == 200
    assert set(preflight["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    for url in ["/proposals/", "/export/proposals.csv"]:
        response = client.get(url, **origin)
        assert "Access-Control-Allow-Origin" not in response
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_anonymous_requests_are_throttled_per_address(client, seeded, settings):
    settings.API_THROTTLE_RATE = "3/min"
    for _ in range(3):
        assert client.get("/api/proposals/").status_code == 200
    refused = client.get(f"/api/proposals/{UN}/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"]
    # Another address has its own allowance; pages are not throttled by the API's limit.
    assert client.get("/api/proposals/", REMOTE_ADDR="198.51.100.7").status_code == 200
    assert client.get("/proposals/").status_code == 200


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def test_every_endpoint_uses_a_constant_number_of_queries(client, db):
    actor = ActorFactory(slug="busy")

    def grow(n: int) -> Proposal:
        for i in range(n):
            proposal = full_proposal(n_layers=1 + i % 5, n_preconditions=i % 4)
            position = PositionFactory(proposal=proposal, actor=actor)
            CitationFactory(position=position)
            commitment = CommitmentFactory(layer=proposal.layers.first(), actor=actor)
            CitationFactory(commitment=commitment)
            StatusChange.objects.create(
                proposal=proposal, status="floated", changed_on=dt.date(2025, 3, 1)
            )
        return proposal

    def counts(proposal: Proposal) -> dict:
        urls = [
            "/api/",
            "/api/proposals/",
            "/api/proposals/?layer=air&precondition=unmet&sort=title&as_of=2025-03-30",
            "/api/proposals/?q=proposal&layer=air",
            f"/api/proposals/{proposal.slug}/",
            f"/api/proposals/{proposal.slug}/?as_of=2025-03-30",
            "/api/actors/",
            "/api/actors/busy/",
            "/api/actors/busy/?as_of=2025-03-30",
            "/api/changes/",
            "/api/changes/?limit=5",
        ]
        return {url.replace(proposal.slug, "<slug>"): count_queries(client, url) for url in urls}

    few = counts(grow(2))
    many = counts(grow(30))
    assert {url: (few[url], many[url]) for url in few if few[url] != many[url]} == {}
    changes = [url for url in many if url.startswith("/api/changes/")]
    assert max(many.pop(url) for url in changes) <= 30  # 8 kinds of record, histories, names
    assert max(many.values()) <= 12


def test_the_schema_and_its_docs_are_served_from_the_site(client, db):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/proposals/",
        "/api/proposals/{slug}/",
        "/api/actors/",
        "/api/actors/{slug}/",
        "/api/changes/",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/proposals/"]["get"]["parameters"]}
    assert {"q", "status", "layer", "actor", "precondition", "sort", "page", "as_of"} <= parameters
    as_json = client.get("/api/schema/?format=json")
    assert json.loads(as_json.content)["info"]["title"] == "Ceasefire Monitor API"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower()
    scripts = [part.split('"')[0] for part in html.split('<script src="')[1:]]
    assert len(scripts) == 3
    for src in scripts:
        assert src.startswith("/")
        assert client.get(src).status_code == 200


def test_no_change_names_an_analyst_by_login(client, analyst, db):
    proposal = ProposalFactory()
    layer = LayerFactory(proposal=proposal)
    layer.area = "The Black Sea"
    layer._history_user = analyst
    layer.save()
    body = client.get("/api/changes/").content.decode()
    assert "Alice Analyst" in body
    assert '"alice"' not in body and "alice@" not in body
    change = get_json(client, "/api/changes/")["results"][0]
    assert change["proposal"] == proposal.slug
    assert change["record"] == "layer"
    assert change["action"] == "changed"
    assert change["changes"] == [
        {"field": "area", "label": "Area", "old": "The contact line", "new": "The Black Sea"}
    ]
    assert change["by"] == "Alice Analyst"


def test_changes_page_back_without_gaps_or_repeats(client, analyst):
    for i in range(12):
        proposal = ProposalFactory()
        layer = LayerFactory(proposal=proposal)
        layer.area = f"Area {i}"
        layer._history_user = analyst  # another person: a change of its own
        layer.save()
    everything = get_json(client, "/api/changes/?limit=200")
    assert everything["next"] is None
    ids = [change["id"] for change in everything["results"]]
    assert len(ids) == len(set(ids)) == 36  # each: created, its layer created, then changed
    times = [change["changed_at"] for change in everything["results"]]
    assert times == sorted(times, reverse=True)
    paged, url = [], "/api/changes/?limit=5"
    while url:
        page = get_json(client, url)
        assert len(page["results"]) <= 5
        paged += [change["id"] for change in page["results"]]
        url = page["next"]
    assert paged == ids
    since = everything["results"][10]["changed_at"]
    newer = get_json(client, f"/api/changes/?limit=200&since={since}")["results"]
    assert [change["id"] for change in newer] == ids[:10]


def test_what_changed_while_a_proposal_was_a_draft_is_not_in_the_log(client, db):
    draft = ProposalFactory(is_published=False)
    layer = LayerFactory(proposal=draft, area="Draft area")
    assert get_json(client, "/api/changes/")["results"] == []
    draft.is_published = True
    draft.save()
    layer.area = "Published area"
    layer.save()
    changes = get_json(client, "/api/changes/")["results"]
    assert [c["action"] for c in changes] == ["changed", "published"]
    assert changes[0]["changes"][0]["old"] == "Draft area"  # what readers never saw is the 'old'
    assert "Draft area" not in [c["new"] for change in changes for c in change["changes"]]


def test_a_change_links_to_its_entry_on_the_history_page(client, analyst, bob):
    proposal = ProposalFactory()
    layer = LayerFactory(proposal=proposal)
    for n in range(60):  # pushes the first entries to the history's second page
        layer.area = f"Area {n}"
        layer._history_user = (analyst, bob)[n % 2]  # by turns: each save a change of its own
        layer.save()
    oldest = get_json(client, "/api/changes/?limit=200")["results"][-1]
    page = client.get(oldest["url"].removeprefix("http://testserver"))
    assert page.status_code == 200
    assert f'id="{oldest["id"]}"' in page.content.decode()
    assert "Page 2 of 2" in page.content.decode()
