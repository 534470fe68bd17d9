import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded_live(contract_data):
    pass


def test_reader_opens_the_list_clicks_a_proposal_and_sees_its_five_layers(page: Page, seeded_live):
    page.goto("/proposals/")
    expect(page.get_by_role("heading", name="Proposals", level=1)).to_be_visible()
    page.get_by_role(
        "link", name="Coalition of the willing: multi-layered security concept"
    ).click()

    expect(page).to_have_url("/proposals/coalition-of-the-willing-security-concept/")
    layers = page.locator("#layers .layer h3 .layer__name")
    expect(layers).to_have_text(
        [
            "Air monitoring",
            "Naval units",
            "UN peacekeeping force",
            "Training forces",
            "US security guarantee",
        ]
    )
    expect(page.locator("#layer-naval")).to_contain_text("Black Sea")


def test_reader_filters_the_list_with_the_form(page: Page, seeded_live):
    page.goto("/proposals/")
    page.locator("#facet-status-floated").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url("/proposals/?status=floated")
    expect(page.locator(".card__title")).to_have_text(
        ["UN peacekeeping mission to monitor a possible future ceasefire"]
    )


def test_keyboard_user_can_skip_to_the_content(page: Page, seeded_live):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/proposals/",
        "/proposals/coalition-of-the-willing-security-concept/",
        "/proposals/un-peacekeeping-mission/history/",
        "/compare/?p=un-peacekeeping-mission&p=coalition-of-the-willing-security-concept",
        "/data/",
    ],
)
def test_pages_fit_a_phone_without_sideways_scrolling(browser, live_server, seeded_live, url):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
