"""Everything users type is escaped: hostile text in every field renders inert on every page."""

import datetime as dt

import pytest

from proposals.models import Actor, Layer, LayerKind, Precondition, Proposal, Source

from .conftest import HTMX
from .factories import CitationFactory, EventFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '"><script>alert(1)</script><img src=x onerror="alert(2)">'
RAW = ["<script>alert", "<img src=x", 'onerror="alert']


@pytest.fixture
def hostile(analyst):
    actor = Actor.objects.create(name=f"Actor {PAYLOAD}", slug="hostile", description=PAYLOAD)
    kind = LayerKind.objects.create(
        slug="hostile-kind", name=f"Kind {PAYLOAD}", description=PAYLOAD
    )
    proposal = Proposal.objects.create(
        slug="hostile", title=f"Title {PAYLOAD}", summary=PAYLOAD, is_published=True
    )
    proposal.proponents.set([actor])
    layer = Layer.objects.create(
        proposal=proposal, kind=kind, description=PAYLOAD, area=PAYLOAD, assets=PAYLOAD
    )
    layer.contributors.set([actor])
    precondition = Precondition.objects.create(
        proposal=proposal,
        slug="hostile",
        description=f"Needs {PAYLOAD}",
        responsible=actor,
        layer=layer,
    )
    Precondition.objects.create(
        proposal=proposal, slug="second", description=PAYLOAD, depends_on=precondition
    )
    source = Source.objects.create(publisher=PAYLOAD, title=PAYLOAD, url="https://example.org/x")
    for target in ({"proposal": proposal}, {"layer": layer}, {"precondition": precondition}):
        CitationFactory(source=source, text=PAYLOAD, speaker=PAYLOAD, **target)
    EventFactory(
        proposals=[proposal],
        title=PAYLOAD,
        place=PAYLOAD,
        description=PAYLOAD,
        date=dt.date.today(),
    )
    # A change, so that the history shows old and new hostile values side by side.
    layer.area = f"New {PAYLOAD}"
    layer.save()
    return proposal


PAGES = [
    "/",
    "/proposals/",
    "/proposals/?q=%3Cscript%3E",
    "/proposals/hostile/",
    "/proposals/hostile/history/",
    "/proposals/hostile/edit/",
    "/proposals/hostile/layers/hostile-kind/edit/",
    "/proposals/hostile/layers/hostile-kind/delete/",
    "/proposals/hostile/preconditions/hostile/edit/",
    "/proposals/hostile/preconditions/second/delete/",
    "/proposals/hostile/citations/new/?on=precondition:hostile",
    "/proposals/hostile/layers/new/",
]


@pytest.mark.parametrize("url", PAGES)
def test_hostile_text_renders_inert(client, analyst, hostile, url):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(analyst)
        for extra in ({}, HTMX):
            response = client.get(url, **extra)
            if response.status_code == 302:  # edit pages send readers to sign in
                continue
            assert response.status_code == 200, url
            html = response.content.decode()
            for raw in RAW:
                assert raw not in html, f"{raw!r} unescaped on {url}"


def test_hostile_text_is_shown_escaped_not_dropped(client, hostile):
    html = client.get("/proposals/hostile/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=&quot;alert(2)&quot;" in html


def test_hostile_text_in_a_rejected_form_is_escaped(client, analyst, hostile):
    client.force_login(analyst)
    response = client.post(
        "/proposals/hostile/layers/hostile-kind/edit/",
        {"description": "", "area": PAYLOAD, "version": 1},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert all(raw not in html for raw in RAW)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
