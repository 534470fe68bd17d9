"""A reader finds and compares proposals in real Chromium: live filtering, shareable URLs, Back."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UN = "UN peacekeeping mission to monitor a possible future ceasefire"
COALITION = "Coalition of the willing: multi-layered security concept"


def test_results_follow_the_search_as_the_reader_types(page: Page, contract_data):
    page.goto("/proposals/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Search", exact=True).press_sequentially("Black Sea", delay=30)

    expect(page.locator(".card__title")).to_have_text([COALITION])
    expect(page).to_have_url(re.compile(r"/proposals/\?q=Black\+Sea$"))
    expect(page.locator(".card__snippet mark").first).to_have_text("Black")
    assert page.evaluate("window.notReloaded === true")


def test_facets_filter_live_the_url_follows_and_back_restores(page: Page, contract_data):
    page.goto("/proposals/")
    expect(page.locator(".card__title")).to_have_count(2)
    page.evaluate("window.notReloaded = true")

    page.locator("#facet-status-floated").check()
    expect(page.locator(".card__title")).to_have_text([UN])
    expect(page).to_have_url(re.compile(r"/proposals/\?status=floated"))
    # The counts follow: within floated proposals no layer is naval.
    expect(
        page.locator("#facets label", has_text="Naval units").locator(".facet__count")
    ).to_have_text("0 proposals")

    page.locator("#facet-layer-naval").check()
    expect(page.locator(".empty")).to_contain_text("No proposal matches these filters")
    assert page.evaluate("window.notReloaded === true")

    page.go_back()
    expect(page).to_have_url(re.compile(r"/proposals/\?status=floated$"))
    expect(page.locator(".card__title")).to_have_text([UN])
    page.go_back()
    expect(page.locator(".card__title")).to_have_count(2)


def test_a_shared_link_opens_the_same_view(page: Page, contract_data):
    page.goto("/proposals/?q=Lacroix")
    expect(page.get_by_label("Search", exact=True)).to_have_value("Lacroix")
    expect(page.locator(".card__title")).to_have_text([UN])


def test_reader_picks_two_proposals_and_compares_them(page: Page, contract_data):
    page.goto("/proposals/")
    page.get_by_label(f"Compare {UN}").check()
    page.get_by_label(f"Compare {COALITION}").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page.get_by_role("heading", name="Compare proposals")).to_be_visible()
    expect(page.locator(".compare thead th")).to_have_count(2)
    expect(page.locator("tr.differs", has_text="Naval units")).to_be_visible()


def test_without_javascript_the_filter_form_submits_normally(browser, live_server, contract_data):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/proposals/")
    page.get_by_label("Search", exact=True).fill("Lacroix")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".card__title")).to_have_text([UN])
    context.close()
