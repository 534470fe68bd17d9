"""axe-core (through axe-playwright-python) in real Chromium: no serious or critical issue on the
pages a reader uses to judge the evidence, on a desktop and a phone screen."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from proposals.models import Source

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


def pages() -> list[str]:
    return [
        "/about/",
        f"/sources/{Source.objects.get().pk}/",
        "/proposals/un-peacekeeping-mission/",
        "/proposals/coalition-of-the-willing-security-concept/",
        "/proposals/coalition-of-the-willing-security-concept/history/",
        "/",
        "/proposals/",
        "/compare/?p=un-peacekeeping-mission&p=coalition-of-the-willing-security-concept",
    ]


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_axe_finds_no_serious_issue(page: Page, contract_data, width):
    page.set_viewport_size({"width": width, "height": 900})
    axe = Axe()
    found = {}
    for url in pages():
        page.goto(url)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(node["target"][0] for node in v["nodes"][:3])
            for v in violations
            if v["impact"] in SERIOUS
        ]
        if serious:
            found[url] = serious
    assert found == {}


def test_axe_runs_under_the_sites_content_security_policy(page: Page, contract_data):
    """The check above can fail: on one of our pages, with an unlabelled field added, axe sees it."""
    page.goto("/about/")
    page.locator("main").evaluate(
        "main => main.insertAdjacentHTML('beforeend', '<input type=\"text\" name=\"x\">')"
    )
    violations = Axe().run(page).response["violations"]
    assert "label" in {v["id"] for v in violations if v["impact"] in SERIOUS}


def test_on_a_phone_every_filter_fits_inside_its_form(page: Page, contract_data):
    """The filters sit in two columns on a narrow screen: no control may stick out of the form
    (the dates once did, past the right edge of a 390-pixel screen)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/proposals/")
    filters = page.locator("#id_reported_after").locator("xpath=ancestor::form[1]")
    form = filters.bounding_box()
    outside = []
    for control in filters.locator("input:visible, select:visible").all():
        box = control.bounding_box()
        if box["x"] < form["x"] or box["x"] + box["width"] > form["x"] + form["width"] + 0.5:
            outside.append(control.get_attribute("id") or control.get_attribute("name"))
    assert outside == []
