"""Every page issues the same number of SQL queries however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import ActorFactory, full_proposal

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
    large = full_proposal(n_layers=5, n_preconditions=6)
    at_large = count_queries(client, large.get_absolute_url())
    assert at_small == at_large
    assert at_large <= 10


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


def test_compare_uses_a_constant_number_of_queries(client):
    small = [full_proposal(n_layers=1, n_preconditions=1) for _ in range(2)]
    at_small = count_queries(client, f"/compare/?p={small[0].slug}&p={small[1].slug}")
    large = [full_proposal(n_layers=5, n_preconditions=6) for _ in range(2)]
    for _ in range(20):
        full_proposal()
    assert count_queries(client, f"/compare/?p={large[0].slug}&p={large[1].slug}") == at_small
