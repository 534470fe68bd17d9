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
    assert at_50 <= 8


def test_proposal_page_uses_a_constant_number_of_queries(client):
    small = full_proposal(n_layers=1, n_preconditions=1)
    at_small = count_queries(client, small.get_absolute_url())
    for _ in range(48):
        full_proposal()
    large = full_proposal(n_layers=5, n_preconditions=6)
    at_large = count_queries(client, large.get_absolute_url())
    assert at_small == at_large
    assert at_large <= 10
