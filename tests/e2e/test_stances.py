"""Who stands where, as a reader and an analyst use it in real Chromium: the picture as of a past
day through the date picker, and a position recorded in place."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from proposals import writes
from proposals.models import Actor, Position, Proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COALITION = "/proposals/coalition-of-the-willing-security-concept/"


@pytest.fixture
def history(contract_data):
    """France supported the plan in April 2025, then declined it in June."""
    coalition = Proposal.objects.get(slug="coalition-of-the-willing-security-concept")
    poland = Actor.objects.create(name="Poland", slug="poland")
    Position.objects.create(
        proposal=coalition, actor=poland, stance="supports", stated_on=dt.date(2025, 4, 1)
    )
    Position.objects.create(
        proposal=coalition,
        actor=poland,
        stance="declines",
        stated_on=dt.date(2025, 6, 1),
        statement="Poland said it would not send troops.",
    )
    writes.sync_backers(coalition.pk)


def test_a_reader_looks_at_the_picture_of_a_past_day(page: Page, history):
    page.goto(COALITION)
    expect(page.locator(".proposal__backers")).not_to_contain_text("Poland")
    expect(page.locator("#positions")).to_contain_text("Declines")

    page.get_by_label("Show the picture as of").fill("2025-05-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{COALITION}?as_of=2025-05-01")
    expect(page.get_by_role("status")).to_contain_text("As of 1 May 2025")
    expect(page.locator(".proposal__backers")).to_contain_text("Poland")
    expect(page.locator("#positions")).not_to_contain_text("Declines")

    # Links inside the page keep the day; the banner leads back to today.
    page.locator("#positions").get_by_role("link", name="Poland").click()
    expect(page).to_have_url("/actors/poland/?as_of=2025-05-01")
    expect(page.locator("main")).to_contain_text("Supports")
    page.get_by_role("link", name="Back to today").click()
    expect(page).to_have_url("/actors/poland/")
    expect(page.locator("main")).to_contain_text("Declines")


def test_an_analyst_records_a_position_in_place(
    browser: Browser, live_server, history, django_user_model
):
    user = django_user_model.objects.create_user(
        "alice", password="analyst-pass-2025", first_name="Alice", last_name="Analyst"
    )
    user.groups.add(Group.objects.get(name="Analysts"))
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/accounts/login/?next={COALITION}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("analyst-pass-2025")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("html[data-htmx-ready]", state="attached")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="+ Record a position").click()
    form = page.locator("#form-add-position")
    form.get_by_label("Actor").select_option(label="Russia")
    form.get_by_label("Stance").select_option("opposes")
    form.get_by_label("Since").fill("2025-04-20")
    form.get_by_label("Statement").fill("Russia rejected any European troops in Ukraine.")
    form.get_by_role("button", name="Add position").click()

    opposes = page.locator("#positions .stance-group--opposes")
    expect(opposes).to_contain_text("Russia rejected any European troops in Ukraine.")
    expect(page.locator("#form-add-position")).to_have_count(0)
    assert page.evaluate("window.notReloaded === true")
    assert Position.objects.filter(actor__slug="russia", stance="opposes").exists()
    context.close()


def test_the_new_pages_fit_a_phone(browser: Browser, live_server, history):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    for url in [
        "/actors/",
        "/actors/poland/",
        f"{COALITION}?as_of=2025-05-01",
        "/?as_of=2025-05-01",
    ]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} scrolls sideways on a phone ({width}px)"
    context.close()
