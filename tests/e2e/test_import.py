"""An analyst imports a CSV file in real Chromium: upload, preview, apply."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from proposals.models import Layer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_analyst_uploads_previews_and_applies_a_file(page: Page, contract_data, django_user_model):
    user = django_user_model.objects.create_user("alice", password="analyst-pass-2025")
    user.groups.add(Group.objects.get(name="Analysts"))
    page.goto("/accounts/login/?next=/import/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("analyst-pass-2025")
    page.get_by_role("button", name="Sign in").click()

    # What a researcher sends back: the layers export with one area corrected.
    with page.expect_download() as download:
        page.goto("/proposals/")
        page.get_by_role("link", name="layers", exact=True).click()
    exported = Path(download.value.path()).read_bytes()
    content = exported.replace(b",Black Sea,", b",Black Sea ports,")

    page.goto("/import/")
    page.get_by_label("What the file holds").select_option("layers")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "layers.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".import-counts")).to_contain_text("1 to update")
    expect(page.locator("table")).to_contain_text(
        "coalition-of-the-willing-security-concept / naval"
    )

    page.get_by_role("button", name="Apply: create 0, update 1").click()
    expect(page.locator(".alert--success")).to_contain_text("1 updated")
    assert Layer.objects.get(kind__slug="naval").area == "Black Sea ports"
