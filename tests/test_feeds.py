"""The Atom feeds of published changes, as a feed reader sees them."""

import feedparser
import pytest

from .factories import LayerFactory, ProposalFactory

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_the_site_feed_holds_the_last_50_published_changes_newest_first(client, analyst, bob):
    for n in range(30):
        layer = LayerFactory(proposal=ProposalFactory())
        layer.area = f"Area {n}"
        layer._history_user = analyst  # a change of its own, after the creation
        layer.save()
    draft = ProposalFactory(is_published=False, title="Unpublished idea")
    LayerFactory(proposal=draft)
    feed = parsed(client, "/feeds/changes.atom")
    assert len(feed.entries) == 50
    times = [entry.updated_parsed for entry in feed.entries]
    assert times == sorted(times, reverse=True)
    newest = feed.entries[0]
    assert newest.title.endswith(" layer changed")
    assert "Area 29" in newest.summary and "Alice Analyst" in newest.summary
    assert newest.author == "Alice Analyst"
    assert len({entry.id for entry in feed.entries}) == 50
    assert "Unpublished idea" not in client.get("/feeds/changes.atom").content.decode()
    assert "alice" not in client.get("/feeds/changes.atom").content.decode().replace("Alice", "")


def test_each_entry_links_to_its_entry_on_the_history_page(client, seeded):
    feed = parsed(client, f"/proposals/{UN}/feed.atom")
    assert feed.feed.title.startswith("UN peacekeeping mission")
    assert feed.entries
    for entry in feed.entries:
        path = entry.link.removeprefix("http://testserver")
        anchor = path.split("#")[1]
        page = client.get(path)
        assert page.status_code == 200
        assert f'id="{anchor}"' in page.content.decode()


def test_a_drafts_feed_does_not_exist_whoever_asks(analyst_client, db):
    draft = ProposalFactory(is_published=False)
    assert analyst_client.get(f"/proposals/{draft.slug}/feed.atom").status_code == 404
    assert analyst_client.get("/proposals/no-such-proposal/feed.atom").status_code == 404


def test_pages_advertise_the_feeds(client, seeded):
    detail = client.get(f"/proposals/{UN}/").content.decode()
    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/proposals/{UN}/feed.atom"'
        in (detail)
    )
    assert f'href="/api/proposals/{UN}/"' in detail
    listing = client.get("/proposals/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/feeds/changes.atom"' in listing


def test_a_draft_page_names_no_feed_of_its_own(analyst_client, db):
    draft = ProposalFactory(is_published=False)
    page = analyst_client.get(f"/proposals/{draft.slug}/").content.decode()
    assert "feed.atom" not in page.replace('href="/feeds/changes.atom"', "")
