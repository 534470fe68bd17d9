"""An analyst edits in place in real Chromium: no page reloads, errors shown, conflicts caught."""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.test import RequestFactory
from playwright.sync_api import Browser, Page, Route, expect

from config.views import server_error
from proposals.models import Layer, Proposal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COALITION = "/proposals/coalition-of-the-willing-security-concept/"
PASSWORD = "analyst-pass-2025"


@pytest.fixture
def analysts(contract_data, django_user_model):
    group = Group.objects.get(name="Analysts")
    for username, first, last in [("alice", "Alice", "Analyst"), ("bob", "Bob", "Editor")]:
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, first_name=first, last_name=last
        )
        user.groups.add(group)


def sign_in(page: Page, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(next_url)
    # The URL changes as soon as the page starts loading; its hx- links do something in place only
    # once htmx has wired them up, which the page marks on <html>.
    expect(page.locator("html[data-htmx-ready]")).to_have_count(1)
    # A marker that only survives if the page is never reloaded.
    page.evaluate("window.notReloaded = true")


def still_the_same_page(page: Page) -> bool:
    return page.evaluate("window.notReloaded === true")


def test_analyst_edits_a_layer_in_place(page: Page, analysts):
    sign_in(page, "alice", COALITION)
    naval = page.locator("#layer-naval")
    naval.get_by_role("link", name="Edit the Naval units layer").click()

    form = page.locator("#form-layer-naval")
    expect(form.get_by_role("heading", name="Edit the Naval units layer")).to_be_visible()
    expect(form.get_by_label("Description")).to_be_focused()
    form.get_by_label("Area").fill("Black Sea and Sea of Azov")
    form.get_by_role("button", name="Save").click()

    expect(page.locator("#layer-naval")).to_contain_text("Black Sea and Sea of Azov")
    expect(page.locator("#form-layer-naval")).to_have_count(0)
    assert still_the_same_page(page)
    assert Layer.objects.get(kind__slug="naval").area == "Black Sea and Sea of Azov"


def test_cancel_brings_the_block_back_unchanged(page: Page, analysts):
    sign_in(page, "alice", COALITION)
    page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
    page.locator("#form-layer-naval").get_by_label("Area").fill("Somewhere else")
    page.locator("#form-layer-naval").get_by_role("link", name="Cancel").click()
    expect(page.locator("#layer-naval")).to_contain_text("Black Sea")
    expect(page.locator("#form-layer-naval")).to_have_count(0)
    assert still_the_same_page(page)
    assert Layer.objects.get(kind__slug="naval").area == "Black Sea"


def test_analyst_sees_a_validation_error_with_the_input_kept(page: Page, analysts):
    sign_in(page, "alice", COALITION)
    page.locator("#layer-air").get_by_role("link", name="Edit the Air monitoring layer").click()
    form = page.locator("#form-layer-air")
    form.get_by_label("Description").fill("")
    form.get_by_label("Area").fill("The whole front line")
    form.get_by_role("button", name="Save").click()

    expect(form.locator(".error")).to_have_text("This field is required.")
    expect(form.get_by_label("Area")).to_have_value("The whole front line")
    expect(form.get_by_label("Description")).to_have_attribute("aria-invalid", "true")
    assert still_the_same_page(page)


def test_the_later_of_two_analysts_gets_the_conflict(browser: Browser, live_server, analysts):
    pages = []
    for username in ("alice", "bob"):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        sign_in(page, username, COALITION)
        page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
        pages.append(page)
    alice, bob = pages

    alice.locator("#form-layer-naval").get_by_label("Area").fill("Alice's area")
    alice.locator("#form-layer-naval").get_by_role("button", name="Save").click()
    expect(alice.locator("#layer-naval")).to_contain_text("Alice's area")

    bob_form = bob.locator("#form-layer-naval")
    bob_form.get_by_label("Area").fill("Bob's area")
    bob_form.get_by_role("button", name="Save").click()
    alert = bob.locator("#form-layer-naval [role=alert]")
    expect(alert).to_contain_text("Alice Analyst saved a change")
    expect(alert).to_contain_text("Alice's area")
    expect(bob_form.get_by_label("Area")).to_have_value("Bob's area")
    assert Layer.objects.get(kind__slug="naval").area == "Alice's area"

    # Having seen Alice's change, Bob saves again on purpose.
    bob_form.get_by_role("button", name="Save").click()
    expect(bob.locator("#layer-naval")).to_contain_text("Bob's area")
    assert Layer.objects.get(kind__slug="naval").area == "Bob's area"
    for page in pages:
        page.context.close()


def test_analyst_adds_a_precondition_and_publishes_a_draft_without_a_reload(page: Page, analysts):
    Proposal.objects.filter(slug="un-peacekeeping-mission").update(is_published=False)
    url = "/proposals/un-peacekeeping-mission/"
    sign_in(page, "alice", url)
    expect(page.locator("#proposal-header .badge--draft")).to_be_visible()

    page.get_by_role("link", name="+ Add a precondition").click()
    form = page.locator("#form-add-precondition")
    form.get_by_label("Description").fill("Troop contributors are found.")
    form.get_by_label("Status", exact=True).select_option("in_progress")
    form.get_by_role("button", name="Add precondition").click()
    expect(page.locator("#precondition-troop-contributors-are-found")).to_contain_text(
        "In progress"
    )
    expect(page.locator("#toc")).to_contain_text("Preconditions (0 of 4 met)")

    page.locator("#precondition-russian-consent").get_by_role("button", name="Met").click()
    expect(page.locator("#precondition-russian-consent .badge")).to_have_text("Met")
    expect(page.locator("#preconditions-summary")).to_have_text("1 of 4 met.")

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#proposal-header .badge--draft")).to_have_count(0)
    assert still_the_same_page(page)
    assert Proposal.objects.get(slug="un-peacekeeping-mission").is_published


def test_history_page_shows_the_change_with_the_analysts_name(page: Page, analysts):
    sign_in(page, "alice", COALITION)
    page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
    page.locator("#form-layer-naval").get_by_label("Area").fill("Western Black Sea")
    page.locator("#form-layer-naval").get_by_role("button", name="Save").click()
    expect(page.locator("#layer-naval")).to_contain_text("Western Black Sea")

    page.get_by_role("link", name="History of changes").click()
    latest = page.locator(".history__entry").first
    expect(latest).to_contain_text("Naval units layer changed by Alice Analyst")
    expect(latest).to_contain_text("Western Black Sea")


def test_with_javascript_off_editing_works_as_full_pages(browser: Browser, live_server, analysts):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/accounts/login/?next={COALITION}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
    expect(page).to_have_url(
        "/proposals/coalition-of-the-willing-security-concept/layers/naval/edit/"
    )
    page.get_by_label("Area").fill("Odesa sea lanes")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{COALITION}#layer-naval")
    expect(page.locator("#layer-naval")).to_contain_text("Odesa sea lanes")
    context.close()


def test_a_form_swapped_in_is_live_the_moment_it_appears(page: Page, analysts):
    """htmx wires up and focuses what it swaps in within the same task as it inserts it.

    With a settle delay the form sat on the page unwired for a moment: a Save clicked then posted
    natively, and the delayed autofocus pulled the caret out of a field the analyst had already
    moved to, so her typing went into the Description instead of the Area.
    """
    sign_in(page, "alice", COALITION)
    # A mutation observer reports the form at the first moment a click or a key could reach it:
    # its callback runs as soon as the script that inserted the form has finished.
    page.evaluate(
        """() => new MutationObserver((records, observer) => {
            const form = document.getElementById("form-layer-naval");
            if (!form) return;
            observer.disconnect();
            document.documentElement.dataset.formAtFirstSight = JSON.stringify({
                settling: form.classList.contains("htmx-settling"),
                focused: document.activeElement.id,
            });
        }).observe(document.body, {childList: true, subtree: true})"""
    )
    page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
    # Waiting on an attribute, not on a JavaScript predicate: the site's CSP forbids eval, which
    # Playwright's polling of a predicate needs.
    page.wait_for_selector("html[data-form-at-first-sight]", state="attached")
    first_sight = json.loads(page.evaluate("document.documentElement.dataset.formAtFirstSight"))
    assert first_sight == {"settling": False, "focused": "f-layer-naval-description"}

    form = page.locator("#form-layer-naval")
    form.get_by_label("Area").fill("Typed straight away")
    expect(form.get_by_label("Area")).to_have_value("Typed straight away")
    expect(form.get_by_label("Description")).to_have_value(
        Layer.objects.get(kind__slug="naval").description
    )


def fail_a_save(browser: Browser, live_server, break_the_save, status: int, message: str) -> None:
    """Alice's inline save fails with `status`: she is told why and keeps what she typed."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Only the failed request itself may show in the console: no policy violation, no script error.
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and str(status) not in msg.text
            else None
        ),
    )
    sign_in(page, "alice", COALITION)
    page.locator("#layer-naval").get_by_role("link", name="Edit the Naval units layer").click()
    form = page.locator("#form-layer-naval")
    form.get_by_label("Area").fill("An area that is never saved")
    break_the_save(page)
    form.get_by_role("button", name="Save").click()

    alert = page.locator("#request-error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(message)
    expect(alert).to_be_focused()
    # Nothing is lost from the screen and nothing was written.
    expect(form.get_by_label("Area")).to_have_value("An area that is never saved")
    assert still_the_same_page(page)
    assert Layer.objects.get(kind__slug="naval").area != "An area that is never saved"
    alert.get_by_role("button", name="Dismiss").click()
    expect(alert).to_be_hidden()
    context.close()
    assert problems == []


def test_a_refused_save_is_explained_not_silent(browser: Browser, live_server, analysts):
    def drop_the_cookies(page: Page) -> None:
        # Her cookies go (she signed out in another tab, or the browser dropped them), so the
        # save can no longer be tied to her: refused with a 403.
        page.context.clear_cookies()

    fail_a_save(browser, live_server, drop_the_cookies, 403, "you may have been signed out")


def test_a_save_while_the_database_is_down_is_explained(browser: Browser, live_server, analysts):
    # The site's own answer when the database cannot be reached.
    try:
        raise OperationalError("connection to server failed")
    except OperationalError:
        down = server_error(RequestFactory().post("/"))
    assert down.status_code == 503

    def take_the_database_away(page: Page) -> None:
        def answer(route: Route) -> None:
            if route.request.method != "POST":
                return route.continue_()
            route.fulfill(
                status=down.status_code,
                headers=dict(down.items()),
                body=down.content,
            )

        page.route("**/layers/naval/edit/", answer)

    fail_a_save(browser, live_server, take_the_database_away, 503, "database is not answering")
