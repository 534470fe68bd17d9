"""schemathesis against our own OpenAPI schema: generated requests to every GET operation find no
server error and no response that breaks the schema (status, content type, headers, body), and
every other method gets 405."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from .factories import CommitmentFactory, PositionFactory, full_proposal

# The schema /api/schema/ serves, made in-process (as drf-spectacular makes it for the view), so
# that the tests are collected without a request. test_api.py checks the view serves it.
schema = schemathesis.openapi.from_dict(
    json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
)


def app(environ, start_response):
    """Django, built for each request in the test's settings (its middleware reads them when it
    is built, which at import time would be before the suite's test settings are in force)."""
    return get_wsgi_application()(environ, start_response)


schema.app = app


@pytest.fixture
def api_data(seeded, settings):
    settings.API_THROTTLE_RATE = "100000/min"  # the generated requests all come from one address
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis calls the app by
    proposal = full_proposal()
    PositionFactory(proposal=proposal)
    CommitmentFactory(layer=proposal.layers.first())
    # As Django's test client does: a request's end must not close the connection that holds
    # the test's transaction (on PostgreSQL it would, seeing autocommit off).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure can be run again
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, api_data):
    # Invalid requests are generated too, and must not break anything. Two checks are left out,
    # for what a schema cannot say: as on the pages, an empty parameter is no filter and an
    # unusable page_size gives the default (DRF's rule), so not every invalid request is refused;
    # and `actor` and `layer` take slugs from the database, so a well-formed one may be unknown
    # (a 400 that says so).
    case.call_and_validate(
        excluded_checks=[
            schemathesis.checks.negative_data_rejection,
            schemathesis.checks.positive_data_acceptance,
        ]
    )
