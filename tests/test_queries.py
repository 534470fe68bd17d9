"""Every page issues the same number of SQL queries however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import full_proposal

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    ["/", "/proposals/", "/proposals/?layer=air&precondition=unmet&sort=title", "/?matrix_page=2"],
)
def test_list_pages_use_a_constant_number_of_queries(client, url):
    for _ in range(2):
        full_proposal()
    at_2 = count_queries(client, url)
    for i in range(48):
        full_proposal(n_layers=1 + i % 5, n_preconditions=i % 4)
    at_50 = count_queries(client, url)
    assert at_2 == at_50
    assert at_50 <= 10


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
