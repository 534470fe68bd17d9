"""Readers' pages about actors (/actors/, /actors/<slug>/) and who stands where on a proposal."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from proposals.models import Phase, ProposalRelation, StatusChange, Unit

from .factories import (
    ActorFactory,
    CitationFactory,
    CommitmentFactory,
    LayerFactory,
    PositionFactory,
    PreconditionFactory,
    ProposalFactory,
    SourceFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

D = dt.date


def text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, white space collapsed."""
    assert response.status_code == 200
    body = re.sub(r"</?(a|time|span|strong|em|abbr)\b[^>]*>", "", response.content.decode())
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def actor_with_record(actor=None, n: int = 1):
    """An actor with `n` proposals on which it took a cited position and made commitments."""
    actor = actor or ActorFactory()
    for i in range(n):
        proposal = ProposalFactory()
        PositionFactory(proposal=proposal, actor=actor, stance="undecided", stated_on=D(2025, 3, 1))
        position = PositionFactory(proposal=proposal, actor=actor, stance="opposes")
        CitationFactory(position=position)
        layer = LayerFactory(proposal=proposal, contributors=[actor])
        CommitmentFactory(layer=layer, actor=actor, unit=Unit.TROOPS)
        CommitmentFactory(layer=layer, actor=actor, unit=Unit.SHIPS, phase=Phase.DEPLOYED)
        ActorFactory(name=f"Bystander {actor.slug} {i}")
    return actor


# /actors/


def test_actor_list_counts_each_actors_current_stances_on_published_proposals(client):
    france = ActorFactory(name="France", slug="france")
    ActorFactory(name="Holy See", slug="holy-see", kind="person")
    backed, turned, hesitant, draft = (ProposalFactory() for _ in range(4))
    draft.is_published = False
    draft.save()
    PositionFactory(proposal=backed, actor=france, stance="proposes")
    PositionFactory(proposal=turned, actor=france, stance="supports", stated_on=D(2025, 3, 1))
    PositionFactory(proposal=turned, actor=france, stance="declines", stated_on=D(2025, 6, 1))
    PositionFactory(proposal=hesitant, actor=france, stance="conditional")
    PositionFactory(proposal=draft, actor=france, stance="supports")

    page = text(client.get("/actors/"))
    # Name and kind (run together: the kind under the name is for phones), kind, supports,
    # hesitates, opposes: the draft does not count.
    assert "FranceState State 1 1 1" in page
    assert "Holy SeePerson Person 0 0 0" in page
    assert 'href="/actors/france/"' in client.get("/actors/").content.decode()


def test_analysts_count_drafts_too(analyst_client):
    france = ActorFactory(name="France")
    PositionFactory(proposal=ProposalFactory(is_published=False), actor=france)
    assert "FranceState State 1 0 0" in text(analyst_client.get("/actors/"))


def test_actor_list_uses_a_constant_number_of_queries(client):
    actor_with_record()
    few = count_queries(client, "/actors/")
    for _ in range(5):
        actor_with_record(n=3)
    assert count_queries(client, "/actors/") == few <= 3


# /actors/<slug>/


def test_actor_page_shows_positions_newest_first_and_commitments(client):
    france = ActorFactory(name="France", slug="france", description="A permanent UNSC member.")
    proposal = ProposalFactory(title="Coalition of the willing")
    PositionFactory(
        proposal=proposal,
        actor=france,
        stance="undecided",
        stated_on=D(2025, 3, 1),
        statement="Paris is studying the plan.",
    )
    later = PositionFactory(
        proposal=proposal,
        actor=france,
        stance="proposes",
        stated_on=D(2025, 9, 4),
        statement="Paris will lead the reassurance force.",
    )
    CitationFactory(
        position=later,
        text="we will be there",
        source=SourceFactory(publisher="Agence France-Presse"),
    )
    layer = LayerFactory(proposal=proposal, kind=layer_kind("air"), contributors=[france])
    CommitmentFactory(
        layer=layer, actor=france, quantity=2000, stated_on=D(2025, 9, 4), note="Rotating."
    )
    CommitmentFactory(
        layer=layer, actor=france, quantity=500, phase=Phase.DEPLOYED, stated_on=D(2025, 11, 1)
    )

    response = client.get("/actors/france/")
    page = text(response)
    assert "France" in page and "State" in page and "A permanent UNSC member." in page
    newest = page.index("4 September 2025 Proposes Coalition of the willing")
    assert page.index("1 March 2025 Undecided Coalition of the willing") > newest
    assert "Paris will lead the reassurance force." in page
    assert "“we will be there” — Agence France-Presse" in page
    # The commitments' table: proposal, layer kind, phase, amount, date, note.
    assert "Coalition of the willing Air monitoring Pledged 2,000 troops 4 Sep 2025 Rotating." in (
        page.replace(layer.kind.name, "Air monitoring")
    )
    # The chart says in words what its bars show.
    assert "troops 2,000 pledged 500 deployed" in page
    assert f'href="{proposal.get_absolute_url()}#positions"' in response.content.decode()


def test_an_unknown_actor_is_a_404(client):
    assert client.get("/actors/nobody/").status_code == 404


def test_readers_do_not_see_an_actors_record_on_drafts(analyst_client):
    client = Client()
    france = ActorFactory(name="France", slug="france")
    draft = ProposalFactory(title="Secret draft plan", is_published=False)
    PositionFactory(proposal=draft, actor=france, statement="Said so in private.")
    CommitmentFactory(layer=LayerFactory(proposal=draft), actor=france)

    page = text(client.get("/actors/france/"))
    assert "Secret draft plan" not in page
    assert "No positions recorded." in page and "No commitments recorded." in page
    page = text(analyst_client.get("/actors/france/"))
    assert page.count("Secret draft plan Draft") == 2  # its position and its commitment


def test_actor_page_uses_a_constant_number_of_queries(client):
    small = actor_with_record()
    few = count_queries(client, f"/actors/{small.slug}/")
    large = actor_with_record(n=6)
    for _ in range(3):
        actor_with_record(n=2)
    # The actor, its positions and commitments (a page of each, and their counts), the data
    # version and the chart's totals (cached under it).
    assert count_queries(client, f"/actors/{large.slug}/") == few <= 9


def test_a_hostile_statement_shows_as_text(client):
    actor = ActorFactory(name="Mallory", slug="mallory")
    proposal = ProposalFactory()
    PositionFactory(proposal=proposal, actor=actor, statement="<script>alert(1)</script>")
    for url in ("/actors/mallory/", proposal.get_absolute_url()):
        content = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# The proposal page


def test_proposal_page_groups_actors_by_current_stance_with_earlier_ones_folded(client):
    proposal = ProposalFactory()
    for name, stance in [
        ("Poland", "opposes"),
        ("Hungary", "declines"),
        ("Italy", "undecided"),
        ("Germany", "conditional"),
        ("Britain", "supports"),
        ("France", "proposes"),
    ]:
        PositionFactory(
            proposal=proposal,
            actor=ActorFactory(name=name),
            stance=stance,
            statement=f"{name} said so.",
        )
    turncoat = ActorFactory(name="Turkey")
    PositionFactory(
        proposal=proposal,
        actor=turncoat,
        stance="supports",
        stated_on=D(2025, 1, 10),
        statement="Ankara welcomed it.",
    )
    PositionFactory(
        proposal=proposal,
        actor=turncoat,
        stance="opposes",
        stated_on=D(2025, 5, 2),
        statement="Ankara turned against it.",
    )

    response = client.get(proposal.get_absolute_url())
    page = text(response)
    section = page[page.index("Who stands where") :]
    headings = [
        "Proposes (1) France",
        "Supports (1) Britain",
        "Supports on conditions (1) Germany",
        "Undecided (1) Italy",
        "Declines (1) Hungary",
        "Opposes (2) Poland",
    ]
    positions = [section.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "Turkey · 2 May 2025 Ankara turned against it." in section
    # The earlier stance sits folded inside the current one's entry.
    content = response.content.decode()
    entry = content[content.index("Ankara turned against it.") :]
    details = entry[entry.index("<details") : entry.index("</details>")]
    assert (
        "Supports" in details and "10 January 2025" in details and "Ankara welcomed it." in details
    )
    # Opposition gets the same heading as support.
    assert '<h3 id="stance-opposes" class="stance-group__heading">' in content
    assert '<h3 id="stance-proposes" class="stance-group__heading">' in content


def test_a_layer_shows_each_contributors_latest_commitment(client):
    france, norway = ActorFactory(name="France"), ActorFactory(name="Norway")
    layer = LayerFactory(contributors=[france, norway])
    CommitmentFactory(layer=layer, actor=france, quantity=1500, stated_on=D(2025, 4, 1))
    CommitmentFactory(layer=layer, actor=france, quantity=2000, stated_on=D(2025, 9, 4))
    CommitmentFactory(
        layer=layer, actor=france, quantity=800, phase=Phase.DEPLOYED, stated_on=D(2025, 10, 1)
    )
    CommitmentFactory(layer=layer, actor=norway, quantity=3, unit=Unit.SHIPS)
    other_layer = LayerFactory(kind=layer_kind("naval"), contributors=[france])
    CommitmentFactory(layer=other_layer, actor=france, quantity=99, stated_on=D(2026, 1, 1))

    page = text(client.get(layer.proposal.get_absolute_url()))
    assert "France: 800 troops deployed, 1 October 2025" in page
    assert "Norway: 3 ships pledged, 1 April 2025" in page
    assert "1,500 troops" not in page and "2,000 troops" not in page and "99 troops" not in page


def test_relations_show_on_both_proposals_pages(client):
    part = ProposalFactory(title="Air policing over western Ukraine")
    whole = ProposalFactory(title="Multinational Force Ukraine")
    ProposalRelation.objects.create(
        proposal=part, kind="part_of", other=whole, note="Its air layer."
    )

    assert "This proposal is part of Multinational Force Ukraine. Its air layer." in text(
        client.get(part.get_absolute_url())
    )
    assert "Air policing over western Ukraine is part of this proposal." in text(
        client.get(whole.get_absolute_url())
    )


def test_readers_do_not_see_relations_to_drafts(analyst_client):
    client = Client()
    proposal = ProposalFactory()
    draft = ProposalFactory(title="Unpublished rival", is_published=False)
    ProposalRelation.objects.create(proposal=draft, kind="competes_with", other=proposal)
    url = proposal.get_absolute_url()
    assert "Unpublished rival" not in text(client.get(url))
    assert "Unpublished rival competes with this proposal." in text(analyst_client.get(url))


def test_status_timeline_lists_the_proposals_and_its_preconditions_changes(client):
    proposal = ProposalFactory()
    precondition = PreconditionFactory(proposal=proposal, description="A UN mandate.")
    StatusChange.objects.create(proposal=proposal, status="floated", changed_on=D(2025, 3, 1))
    StatusChange.objects.create(
        proposal=proposal, status="under_discussion", changed_on=D(2025, 6, 1), note="Talks began."
    )
    StatusChange.objects.create(
        proposal=proposal, precondition=precondition, status="in_progress", changed_on=D(2025, 7, 1)
    )
    page = text(client.get(proposal.get_absolute_url()))
    section = page[page.index("Status timeline") :]
    assert "1 March 2025 The proposal became Floated" in section
    assert "1 June 2025 The proposal became Under discussion Talks began." in section
    assert "1 July 2025 A UN mandate (precondition) became In progress" in section


def test_mission_design_shows_only_what_is_said(client):
    proposal = ProposalFactory(lead="France and Britain", armed=False, purpose="reassure_and_deter")
    page = text(client.get(proposal.get_absolute_url()))
    assert "Mission design Led by France and Britain Purpose Reassure and deter Armed No" in page
    assert "Mandate from" not in page
    assert "Mission design" not in text(client.get(ProposalFactory().get_absolute_url()))


def test_proposal_page_with_positions_and_relations_uses_a_constant_number_of_queries(client):
    def busy_proposal(n: int):
        proposal = ProposalFactory()
        for i in range(n):
            actor = ActorFactory()
            position = PositionFactory(proposal=proposal, actor=actor, stance="opposes")
            CitationFactory(position=position)
            PositionFactory(proposal=proposal, actor=actor, stated_on=D(2025, 1, 1))
            if i < 3:
                kind = layer_kind(["air", "naval", "un_force"][i])
                layer = LayerFactory(proposal=proposal, kind=kind, contributors=[actor])
                CommitmentFactory(layer=layer, actor=actor)
            StatusChange.objects.create(
                proposal=proposal, status="floated", changed_on=D(2025, 1, 1 + i)
            )
            ProposalRelation.objects.create(
                proposal=proposal, kind="competes_with", other=ProposalFactory()
            )
            ProposalRelation.objects.create(
                proposal=ProposalFactory(), kind="part_of", other=proposal
            )
        return proposal

    few = count_queries(client, busy_proposal(1).get_absolute_url())
    # The data version (for the page's ETag), then the page's own.
    assert count_queries(client, busy_proposal(6).get_absolute_url()) == few <= 11
