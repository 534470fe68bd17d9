"""Every page issues the same number of SQL queries however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals.models import ProposalRelation, StatusChange
from proposals.views.compare import MAX_PROPOSALS

from .factories import (
    ActorFactory,
    CitationFactory,
    CommitmentFactory,
    PositionFactory,
    full_proposal,
)

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


LIST_PAGES = [
    "/",
    "/?matrix_page=2",
    "/proposals/",
    "/proposals/?layer=air&precondition=unmet&sort=title",
    "/proposals/?q=drones&status=floated&status=agreed&reported_after=2025-01-01",
    "/proposals/?actor=shared-backer",
]


def test_list_pages_use_a_constant_number_of_queries(client):
    shared = ActorFactory(slug="shared-backer")
    for _ in range(2):
        full_proposal().proponents.add(shared)
    at_2 = {url: count_queries(client, url) for url in LIST_PAGES}
    for i in range(48):
        full_proposal(n_layers=1 + i % 5, n_preconditions=i % 4).proponents.add(shared)
    at_50 = {url: count_queries(client, url) for url in LIST_PAGES}
    assert at_2 == at_50
    assert max(at_50.values()) <= 14


def test_proposal_page_uses_a_constant_number_of_queries(client):
    small = full_proposal(n_layers=1, n_preconditions=1)
    at_small = count_queries(client, small.get_absolute_url())
    for _ in range(48):
        full_proposal()
    large = with_dated_records(full_proposal(n_layers=5, n_preconditions=6))
    at_large = count_queries(client, large.get_absolute_url())
    assert at_small == at_large
    assert at_large <= 11  # the data version (for the ETag), then the page's own


def test_history_page_uses_a_constant_number_of_queries(client):
    proposal = full_proposal(n_layers=2, n_preconditions=2)
    url = f"{proposal.get_absolute_url()}history/"
    few = count_queries(client, url)
    for layer in proposal.layers.all():
        for n in range(10):
            layer.area = f"Area {n}"
            layer.save()
    for _ in range(3):
        full_proposal()
    more = full_proposal(n_layers=5, n_preconditions=6)
    assert count_queries(client, f"{more.get_absolute_url()}history/") == few
    assert count_queries(client, url) == few


def test_proposal_page_for_an_analyst_uses_a_constant_number_of_queries(client, analyst):
    client.force_login(analyst)
    small = full_proposal(n_layers=1, n_preconditions=1)
    at_small = count_queries(client, small.get_absolute_url())
    large = full_proposal(n_layers=5, n_preconditions=6)
    assert count_queries(client, large.get_absolute_url()) == at_small


def with_dated_records(proposal):
    """The proposal with what full_proposal() leaves out: stances (one changed), commitments,
    status changes and a relation, each cited."""
    for n, actor in enumerate([ActorFactory() for _ in range(3)]):
        PositionFactory(
            proposal=proposal, actor=actor, stance="undecided", stated_on=f"2025-01-0{n + 1}"
        )
        CitationFactory(position=PositionFactory(proposal=proposal, actor=actor))
    for layer in proposal.layers.all():
        for actor in layer.contributors.all():
            CitationFactory(commitment=CommitmentFactory(layer=layer, actor=actor))
    for precondition in proposal.preconditions.all():
        StatusChange.objects.create(
            proposal=proposal, precondition=precondition, status="met", changed_on="2025-03-30"
        )
    change = StatusChange.objects.create(
        proposal=proposal, status="agreed", changed_on="2025-04-01"
    )
    CitationFactory(status_change=change)
    relation = ProposalRelation.objects.create(
        proposal=proposal, kind="competes_with", other=full_proposal()
    )
    CitationFactory(relation=relation)
    return proposal


@pytest.mark.parametrize("as_of", ["", "&as_of=2025-03-31"])
def test_comparing_the_most_proposals_takes_the_queries_of_comparing_two(client, as_of):
    proposals = [
        with_dated_records(full_proposal(n_layers=3, n_preconditions=3))
        for _ in range(MAX_PROPOSALS)
    ]
    urls = [
        "/compare/?" + "&".join(f"p={proposal.slug}" for proposal in compared) + as_of
        for compared in (proposals[:2], proposals)
    ]
    assert count_queries(client, urls[0]) == count_queries(client, urls[1])


def test_compare_uses_a_constant_number_of_queries(client):
    small = [full_proposal(n_layers=1, n_preconditions=1) for _ in range(2)]
    at_small = count_queries(client, f"/compare/?p={small[0].slug}&p={small[1].slug}")
    large = [full_proposal(n_layers=5, n_preconditions=6) for _ in range(2)]
    for _ in range(20):
        full_proposal()
    assert count_queries(client, f"/compare/?p={large[0].slug}&p={large[1].slug}") == at_small
