"""Full-text search: the same tests run on SQLite and on PostgreSQL."""

import pytest
from django.db import connection

from proposals.models import Actor, Citation, Layer, Proposal, Source

from .factories import LayerFactory, ProposalFactory, layer_kind

pytestmark = pytest.mark.django_db

UN = "UN peacekeeping mission to monitor a possible future ceasefire"
COALITION = "Coalition of the willing: multi-layered security concept"


def search(client, q, **params):
    response = client.get("/proposals/", {"q": q, **params})
    assert response.status_code == 200
    return response, [p.title for p in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Black Sea", [COALITION]),  # a layer's area
        ("Lacroix", [UN]),  # only in the UN mission's citation and its attribution
        ("satellites drones", [COALITION]),  # a layer's assets
        ("Security Council", [UN]),  # a precondition and who must act
        ("impartial", [COALITION]),
        ("Russia", [UN, COALITION]),
        ("submarines", []),
    ],
)
def test_search_finds_words_anywhere_in_a_proposal(client, seeded, q, expected):
    _, found = search(client, q, sort="title")
    assert sorted(found) == sorted(expected)


def test_the_issues_examples(client, seeded):
    assert search(client, "Black Sea")[1] == [COALITION]
    assert search(client, "Lacroix")[1] == [UN]
    response = client.get("/proposals/", {"precondition": "unmet"})
    assert [p.title for p in response.context["page_obj"]] == [UN]


def test_search_shows_the_matching_snippet_highlighted(client, seeded):
    response, _ = search(client, "Lacroix")
    html = response.content.decode()
    assert "<mark>Lacroix</mark>" in html
    assert "1 proposal matches the search <strong>Lacroix</strong>" in html


def test_snippets_escape_what_analysts_typed(client, db):
    ProposalFactory(title="Plan", summary="Observers <script>alert(1)</script> at the border")
    html = search(client, "observers")[0].content.decode()
    assert "<mark>Observers</mark> &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_search_document_follows_every_edit(client, seeded):
    layer = Layer.objects.get(kind__slug="naval")
    layer.area = "Sea of Azov"
    layer.save()
    assert search(client, "Azov")[1] == [COALITION]
    Actor.objects.filter(slug="russia").update(name="Russian Federation")
    Actor.objects.get(slug="russia").save()
    assert search(client, "Federation")[1] == [UN]
    source = Source.objects.get()
    source.title = "Wire report on guarantees"
    source.save()
    assert sorted(search(client, "guarantees wire")[1]) == sorted([UN, COALITION])
    Citation.objects.filter(text__contains="Lacroix").delete()
    Citation.objects.filter(speaker__contains="Lacroix").delete()
    assert search(client, "Lacroix")[1] == [UN]  # still in its summary
    layer.contributors.add(Actor.objects.get(slug="ukraine"))
    assert COALITION in search(client, "Ukraine")[1]


def test_search_combines_with_the_filters(client, seeded):
    assert search(client, "ceasefire", layer="naval")[1] == [COALITION]
    assert search(client, "ceasefire", status="floated")[1] == [UN]


def test_a_drafts_words_are_not_found_by_readers(client, db):
    ProposalFactory(title="Secret draft plan", is_published=False)
    assert search(client, "secret")[1] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_postgresql_ranks_the_better_match_first(client, db):
    weak = ProposalFactory(title="Plan A", summary="A ceasefire plan.")
    strong = ProposalFactory(title="Plan B", summary="Ceasefire monitoring of the ceasefire line.")
    LayerFactory(proposal=strong, kind=layer_kind("air"), description="Ceasefire drones.")
    assert search(client, "ceasefire")[1][:2] == [strong.title, weak.title]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_search_uses_the_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'proposal_search_vector_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "gin" in definition.lower() and "search_vector" in definition
    from proposals.search import search as run_search

    # Unordered: on a table this small, walking the updated_at index beats sorting the matches.
    queryset = run_search(Proposal.objects.order_by(), "black sea")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "proposal_search_vector_idx" in plan


def test_facets_count_the_matches_only(client, db):
    match = ProposalFactory(title="Drone plan", summary="Drones over the line.", status="agreed")
    LayerFactory(proposal=match, kind=layer_kind("air"))
    ProposalFactory(title="Draft drone plan", summary="Drones again.", is_published=False)
    ProposalFactory(title="Naval plan", summary="Ships at sea.", status="agreed")
    response, found = search(client, "drones")
    assert found == ["Drone plan"]
    facets = response.context["facets"]
    assert {o.value: o.count for o in facets["status"]}["agreed"] == 1
    assert {o.value: o.count for o in facets["layer"]}["air"] == 1
    # The status counts keep the search when a status is chosen too.
    response, _ = search(client, "drones", status="floated")
    assert {o.value: o.count for o in response.context["facets"]["status"]}["agreed"] == 1
