"""An analyst works through the workspace's queues in real Chromium, by keyboard where it counts."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from proposals import writes
from proposals.models import Layer, Position, Proposal

from .test_editing import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COALITION = "coalition-of-the-willing-security-concept"


@pytest.fixture
def work(contract_data, django_user_model):
    """Two drafts by Bob, and two published claims nobody has cited yet."""
    group = Group.objects.get(name="Analysts")
    users = {}
    for username, first, last in [("alice", "Alice", "Analyst"), ("bob", "Bob", "Editor")]:
        users[username] = django_user_model.objects.create_user(
            username, password=PASSWORD, first_name=first, last_name=last
        )
        users[username].groups.add(group)
    for slug, title in [("osce", "OSCE observer mission"), ("au", "African Union observers")]:
        writes.create(
            users["bob"], None, lambda s=slug, t=title: Proposal.objects.create(slug=s, title=t)
        )
    coalition = Proposal.objects.get(slug=COALITION)
    naval = Layer.objects.get(proposal=coalition, kind__slug="naval")
    naval.citations.all().delete()
    writes.create(
        users["bob"],
        coalition.pk,
        lambda: Position.objects.create(
            proposal=coalition,
            actor_id=coalition.proponents.first().pk,
            stance="supports",
            stated_on="2025-04-01",
            statement="Still backs the plan.",
        ),
    )


def test_analyst_empties_the_drafts_and_unsourced_queues(page: Page, work):
    sign_in(page, "alice", "/workspace/")
    drafts = page.locator("#drafts")
    expect(drafts.locator("tbody tr")).to_have_count(2)
    # 2 drafts, 2 unsourced claims, 2 proposals never reviewed, 3 changed by Bob.
    expect(page.locator("#workspace-waiting")).to_have_text("9")

    # Tick both drafts with "select all", and publish them in one go, by keyboard.
    drafts.get_by_label("Select all drafts on this page").check()
    expect(drafts.get_by_role("checkbox", name="Select OSCE observer mission")).to_be_checked()
    page.get_by_label("Action").select_option("publish")
    page.get_by_role("button", name="Apply to the ticked proposals").focus()
    page.keyboard.press("Enter")

    summary = page.locator("#bulk-summary")
    expect(summary).to_contain_text("Publish: done for 2 of 2 proposals.")
    expect(summary).to_be_focused()  # announced (role=status) and where the keyboard is
    expect(page.locator("#drafts")).to_contain_text("No drafts: everything is published.")
    assert page.evaluate("window.notReloaded === true")

    # The unsourced claims (the two just published have no source yet either): cite each from the
    # queue, and come back to it.
    links = page.locator("#unsourced").get_by_role("link", name="Cite a source")
    expect(links).to_have_count(4)
    for left in range(4, 0, -1):
        expect(links).to_have_count(left)
        links.first.click()
        expect(page.get_by_role("heading", name="Cite a source for")).to_be_visible()
        page.get_by_label("Kind").select_option("paraphrase")
        page.get_by_label("Words").fill("The plan includes it, according to the report.")
        page.get_by_label("Source", exact=True).select_option(index=1)
        page.get_by_role("button", name="Add citation").click()
        expect(page).to_have_url("/workspace/#unsourced")

    expect(page.locator("#unsourced")).to_contain_text("Every published claim cites a source.")
    expect(page.locator("#drafts")).to_contain_text("No drafts")
    # What still waits: the two seed proposals to review, and Bob's changes.
    expect(page.locator("#workspace-waiting")).to_have_text("5")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_axe_finds_no_serious_issue_in_the_workspace(page: Page, work, width):
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "alice", "/workspace/")
    page.get_by_label("Action").select_option("status")  # the status fields shown too
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []
