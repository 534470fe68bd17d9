"""The open data as a researcher meets it in a browser: the API's documentation and the releases."""

import hashlib
import json

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded_live(contract_data, settings, tmp_path):
    settings.RELEASES_DIR = tmp_path
    settings.API_THROTTLE_RATE = "1000/min"


def test_the_api_docs_run_under_the_sites_policy_and_call_the_api(page: Page, seeded_live):
    """Swagger UI comes from our own static files and loads with no script or style the
    Content-Security-Policy refuses (the page fixture fails on any console error)."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    operation = page.locator("#operations-proposals-proposals_list")
    expect(operation).to_be_visible()
    operation.locator("button.opblock-summary-control").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    response = page.locator(".live-responses-table .response .response-col_status").first
    expect(response).to_have_text("200")
    body = page.locator(".live-responses-table .microlight").first.inner_text()
    assert "coalition-of-the-willing-security-concept" in json.loads(body)["results"][0][
        "slug"
    ] or ("un-peacekeeping-mission" in body)
    origin = page.url.split("/api/")[0]
    assert all(url.startswith(origin) for url in requests), "everything from the site itself"


def test_a_researcher_downloads_a_release_and_checks_it(page: Page, seeded_live, tmp_path):
    call_command("release", "2026.1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto("/")
    page.get_by_role("link", name="dataset releases").click()
    expect(page.get_by_role("heading", name="Release 2026.1", exact=True)).to_be_visible()
    release = page.locator("#release-2026\\.1")
    expect(release.locator(".citation-example")).to_contain_text("release 2026.1")
    with page.expect_download() as info:
        release.get_by_role("link", name="ceasefire-monitor-2026.1.zip").click()
    download = info.value
    saved = tmp_path / "downloaded.zip"
    download.save_as(saved)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    expect(release).to_contain_text(digest)
