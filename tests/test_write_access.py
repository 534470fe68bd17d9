"""Every URL of the site refuses writes from anyone but analysts, so a new view cannot forget to."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from proposals.models import (
    Actor,
    Citation,
    Commitment,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    Source,
    StatusChange,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"


def our_patterns(resolver=None, prefix=""):
    """(route, name) of every URL pattern of the site itself (the admin and auth views aside)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from our_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and not route.startswith("accounts/"):
            yield route, pattern.name


def concrete(route: str) -> str:
    """The route with real values of the seed in place of its parameters."""
    records = {
        "citations": Citation.objects.filter(proposal__slug=UN),
        "positions": Position.objects.filter(proposal__slug=UN),
        "commitments": Commitment.objects.filter(layer__proposal__slug=UN),
        "status-changes": StatusChange.objects.filter(proposal__slug=UN),
        "relations": ProposalRelation.objects.filter(proposal__slug=UN),
    }
    kind = next((name for name in records if f"/{name}/<int:pk>" in route), None)
    queryset = records[kind] if kind else Event.objects.filter(proposals__slug=UN)
    pk = queryset.values_list("pk", flat=True).first()
    values = {
        "<slug:slug>": UN,
        "<slug:kind>": "un_force",
        "<slug:precondition>": "russian-consent",
        "<int:pk>": str(pk),
        "<str:filename>": "ceasefire-monitor-x.zip",
        "^(?P<rest>.*)$": "no-such-endpoint/",  # the API's catch-all
    }
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    assert "<" not in route, f"add a value for {route} to this test"
    return "/" + route


MODELS = (
    Proposal,
    Layer,
    Precondition,
    Citation,
    Event,
    Source,
    Position,
    Commitment,
    StatusChange,
    ProposalRelation,
)


def snapshot() -> list:
    return [list(model.objects.order_by("pk").values()) for model in MODELS]


@pytest.fixture
def dated_records(seeded):
    """One record of each dated kind on the UN mission, for every URL to name a real one."""
    un = Proposal.objects.get(slug=UN)
    russia = Actor.objects.get(slug="russia")
    Position.objects.create(proposal=un, actor=russia, stance="opposes", stated_on="2025-03-25")
    Commitment.objects.create(
        layer=un.layers.get(), actor=russia, phase="pledged", unit="troops", stated_on="2025-03-25"
    )
    ProposalRelation.objects.create(
        proposal=un, kind="competes_with", other=Proposal.objects.exclude(pk=un.pk).get()
    )


def test_the_site_has_write_urls_to_check():
    names = {name for _, name in our_patterns()}
    assert {"layer-edit", "precondition-status", "proposal-publish", "citation-delete"} <= names


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_no_url_accepts_a_post_from_anyone_but_an_analyst(
    client, django_user_model, dated_records, who
):
    if who == "outsider":
        client.force_login(django_user_model.objects.create_user("mallory", password="pw-long-1"))
    before = snapshot()
    checked = []
    for route, name in our_patterns():
        url = concrete(route)
        data = {"version": 1, "title": "Hacked", "status": "met", "description": "Hacked"}
        for extra in ({}, HTMX):
            status = client.post(url, data, **extra).status_code
            # 405: a read-only page; 403: a write refused. Anything else lets the POST through.
            assert status in {403, 405}, f"{who} POST {url} ({name}) answered {status}"
        checked.append(name)
    assert snapshot() == before
    assert len(checked) >= 25


def test_writes_need_the_csrf_token_even_for_analysts(client, analyst, seeded):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(analyst)
    precondition = Precondition.objects.get(slug="russian-consent")
    url = f"/proposals/{UN}/preconditions/russian-consent/status/"
    data = {"status": "met", "version": precondition.version}
    assert csrf_client.post(url, data, **HTMX).status_code == 403
    precondition.refresh_from_db()
    assert precondition.status == "unmet"
    # With the token from the page, as htmx sends it from <body hx-headers>:
    page = csrf_client.get(f"/proposals/{UN}/")
    token = page.context["csrf_token"]
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()
    response = csrf_client.post(url, data, HTTP_X_CSRFTOKEN=str(token), **HTMX)
    assert response.status_code == 200
    precondition.refresh_from_db()
    assert precondition.status == "met"
