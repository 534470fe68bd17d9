"""HTTP caching of what readers get: ETags and Last-Modified from the data version, 304s before
any rendering, rendered pages shared through the cache, and nothing personal ever shared."""

import datetime as dt
import email.utils

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from proposals import writes
from proposals.http_cache import PRIVATE, PUBLIC
from proposals.models import Proposal

from .conftest import HTMX

UN = "un-peacekeeping-mission"
PUBLIC_GETS = [
    "/",
    "/proposals/",
    "/proposals/?q=Black+Sea&status=floated",
    f"/proposals/{UN}/",
    f"/proposals/{UN}/history/",
    "/actors/",
    "/actors/france/",
    f"/compare/?p={UN}&p=coalition-of-the-willing-security-concept",
    "/about/",
    "/data/",
    "/export/proposals.csv",
    "/export/layers.csv?layer=naval",
    "/api/proposals/",
    f"/api/proposals/{UN}/",
    "/api/changes/",
    "/feeds/changes.atom",
    f"/proposals/{UN}/feed.atom",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def retitle(user, slug: str, title: str) -> None:
    proposal = Proposal.objects.get(slug=slug)
    with writes.change(user, [proposal.pk]):
        proposal.title = title
        proposal.save()


@pytest.mark.parametrize("url", PUBLIC_GETS)
def test_every_public_get_carries_validators_and_answers_304_without_rendering(seeded, url):
    reader = Client()
    response = reader.get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == PUBLIC
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert "Cookie" in response["Vary"] and "HX-Request" in response["Vary"]
    assert not response.cookies  # nothing personal: no CSRF cookie, no session
    assert b"csrfmiddlewaretoken" not in body(response)
    last_modified = email.utils.parsedate_to_datetime(response["Last-Modified"])
    assert last_modified <= dt.datetime.now(dt.UTC)

    with CaptureQueriesContext(connection) as queries:
        again = reader.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert body(again) == b""
    assert again["ETag"] == response["ETag"]
    assert again["Cache-Control"] == PUBLIC
    assert len(queries) == 1, [q["sql"] for q in queries]  # the data version, nothing else

    since = reader.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304
    earlier = email.utils.format_datetime(last_modified - dt.timedelta(seconds=1), usegmt=True)
    assert reader.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    # A different ETag (another version) is a full answer.
    assert reader.get(url, HTTP_IF_NONE_MATCH='"older"').status_code == 200


def test_a_rendered_page_is_served_from_the_cache_until_the_data_changes(seeded, analyst):
    reader = Client()
    first = reader.get(f"/proposals/{UN}/")
    with CaptureQueriesContext(connection) as queries:
        second = reader.get(f"/proposals/{UN}/")
    assert len(queries) == 1  # the data version: the page came from the cache
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]

    retitle(analyst, UN, "A UN mission, retitled")
    third = reader.get(f"/proposals/{UN}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200
    assert third["ETag"] != first["ETag"]
    assert "A UN mission, retitled" in third.content.decode()
    listing = reader.get("/proposals/")
    assert "A UN mission, retitled" in listing.content.decode()
    csv = body(reader.get("/export/proposals.csv")).decode()
    assert "A UN mission, retitled" in csv
    assert reader.get(f"/api/proposals/{UN}/").json()["title"] == "A UN mission, retitled"


def test_a_change_outside_the_editing_views_also_shows_at_once(seeded):
    """The shell or a fixture saving a dated record raises the data version too."""
    from proposals.models import Position

    reader = Client()
    position = Position.objects.select_related("proposal").first()
    page = f"/proposals/{position.proposal.slug}/"
    before = reader.get(page)
    position.statement = "A statement changed in the shell"
    position.save()
    after = reader.get(page, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_fragments_and_pages_at_one_address_are_cached_apart(seeded):
    reader = Client()
    page = reader.get("/proposals/?status=floated")
    fragment = reader.get("/proposals/?status=floated", **HTMX)
    assert page["ETag"] != fragment["ETag"]
    assert b"<html" in page.content and b"<html" not in fragment.content
    # Both again, now from the cache: each still what it was.
    assert reader.get("/proposals/?status=floated").content == page.content
    again = reader.get("/proposals/?status=floated", **HTMX)
    assert again.content == fragment.content
    assert again["HX-Push-Url"] == fragment["HX-Push-Url"]


def test_analysts_get_private_uncached_pages_that_never_reach_readers(seeded, analyst):
    draft = Proposal.objects.create(title="A draft only analysts see", slug="draft-plan")
    analyst_client = Client()
    analyst_client.force_login(analyst)
    for url in ["/proposals/", f"/proposals/{UN}/", "/export/proposals.csv", "/workspace/"]:
        response = analyst_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == PRIVATE, url
        assert not response.has_header("ETag"), url
    seen = analyst_client.get("/proposals/").content.decode()
    assert draft.title in seen and "Sign out" in seen
    # The reader asks for the same address after the analyst: the analyst's page was not kept.
    reader = Client()
    page = reader.get("/proposals/").content.decode()
    assert draft.title not in page and "Sign out" not in page
    assert reader.get("/proposals/draft-plan/").status_code == 404


def test_errors_and_redirects_are_never_kept_by_a_proxy(seeded):
    reader = Client()
    missing = reader.get("/proposals/no-such-plan/")
    assert missing.status_code == 404
    assert missing["Cache-Control"] == "no-store"
    bad = reader.get("/proposals/?status=bogus")
    assert bad.status_code == 400
    assert bad["Cache-Control"] == "no-store"
    assert reader.get("/api/proposals/?status=bogus")["Cache-Control"] == "no-store"


def test_writes_are_never_answered_from_the_cache(seeded, analyst):
    """A POST to a public address is the view's to answer (here: not allowed)."""
    reader = Client()
    reader.get("/proposals/")
    response = reader.post("/proposals/")
    assert response.status_code == 405
    assert not response.has_header("ETag")


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
)
def test_a_cache_that_is_down_costs_speed_not_pages(seeded):
    reader = Client()
    for url in ["/", "/proposals/", f"/proposals/{UN}/", "/proposals/?q=Black+Sea"]:
        response = reader.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == PUBLIC
    cache.close()
