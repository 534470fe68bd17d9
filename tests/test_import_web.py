"""Analysts import at /import/: upload, preview, apply."""

import datetime as dt
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from proposals.models import ImportBatch, Layer, Proposal, RetiredSlug

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def layers_export(tmp_path) -> bytes:
    path = tmp_path / "layers.csv"
    call_command("export_csv", "layers", output=str(path), stderr=io.StringIO())
    return path.read_bytes()


def upload(client, content: bytes, kind="layers"):
    return client.post(
        "/import/", {"kind": kind, "file": SimpleUploadedFile("layers.csv", content, "text/csv")}
    )


def test_an_analyst_previews_then_applies_an_import(analyst_client, analyst, seeded, tmp_path):
    content = layers_export(tmp_path).replace(b",Black Sea,", b",Black Sea ports,")
    response = upload(analyst_client, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>1</strong> to update" in html and "<strong>5</strong> unchanged" in html
    assert "coalition-of-the-willing-security-concept / naval" in html
    assert Layer.objects.get(kind__slug="naval").area == "Black Sea"  # nothing yet

    batch = ImportBatch.objects.get()
    response = analyst_client.post(f"/import/{batch.pk}/apply/")
    assert response.status_code == 200
    assert "1 updated" in response.content.decode()
    naval = Layer.objects.get(kind__slug="naval")
    assert naval.area == "Black Sea ports"
    assert naval.history.latest("history_date").history_user == analyst
    # Applied once only: a second Apply (a double click) says so and writes nothing.
    history = naval.history.count()
    again = analyst_client.post(f"/import/{batch.pk}/apply/")
    assert again.status_code == 409
    assert "layers.csv was already applied" in again.content.decode()
    assert "nothing more was written" in again.content.decode()
    assert Layer.objects.get(kind__slug="naval").history.count() == history


def test_errors_are_shown_with_their_line_and_nothing_is_written(analyst_client, seeded, tmp_path):
    content = layers_export(tmp_path).replace(b",naval,", b",submarine,")
    response = upload(analyst_client, content)
    assert response.status_code == 422
    html = response.content.decode()
    assert "<td>kind</td>" in html and "<code>submarine</code>" in html
    assert "Apply" not in html
    assert Layer.objects.filter(kind__slug="naval").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty."), (b"\xff\xfe\x00x", "not UTF-8 text"), (b"a,b\r\n", "Line 1")],
)
def test_unreadable_files_are_refused_with_a_message(analyst_client, seeded, content, message):
    response = upload(analyst_client, content)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_a_file_over_the_limit_is_refused(analyst_client, seeded, settings, tmp_path):
    settings.IMPORT_MAX_BYTES = 50
    response = upload(analyst_client, layers_export(tmp_path))
    assert response.status_code == 422
    assert "the limit is" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_outsiders_are_refused(client, outsider_client, seeded, tmp_path):
    content = layers_export(tmp_path)
    assert outsider_client.get("/import/").status_code == 403
    assert upload(outsider_client, content).status_code == 403
    outsider_client.logout()
    assert client.get("/import/").status_code == 302
    assert upload(client, content).status_code == 403
    assert not ImportBatch.objects.exists()


COALITION = "coalition-of-the-willing-security-concept"
NAVAL_EDIT = f"/proposals/{COALITION}/layers/naval/edit/"


def naval() -> Layer:
    return Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")


def bob_edits_the_naval_layer(bob, area: str) -> None:
    other = Client()
    other.force_login(bob)
    layer = naval()
    response = other.post(
        NAVAL_EDIT,
        {"description": layer.description, "area": area, "version": layer.version},
        **HTMX,
    )
    assert response.status_code == 200


def test_an_edit_made_after_the_preview_is_never_overwritten(analyst_client, bob, seeded, tmp_path):
    """The file still holds the area as it was before Bob's edit: applying it would revert him."""
    content = layers_export(tmp_path).replace(b",Black Sea,", b",Black Sea ports,")
    assert upload(analyst_client, content).status_code == 200
    batch = ImportBatch.objects.get()
    bob_edits_the_naval_layer(bob, "Sea of Azov")
    history = naval().history.count()

    response = analyst_client.post(f"/import/{batch.pk}/apply/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was written: 1 record the file names changed after your preview." in html
    assert f"{COALITION} / naval</strong>: changed since the preview by Bob Editor" in html
    assert "<del>Black Sea</del> → <ins>Sea of Azov</ins>" in html
    assert naval().area == "Sea of Azov"  # Bob's edit is intact
    assert naval().history.count() == history  # and nothing was written

    # The fresh preview shows the file against the data as it is now; applying it is deliberate.
    assert "<strong>1</strong> to update" in html
    assert analyst_client.post(f"/import/{batch.pk}/apply/").status_code == 200
    assert naval().area == "Black Sea ports"


def test_a_row_unchanged_at_preview_is_not_reverted_either(analyst_client, bob, seeded, tmp_path):
    content = layers_export(tmp_path).replace(b",Black Sea,", b",Black Sea ports,")
    upload(analyst_client, content)
    batch = ImportBatch.objects.get()
    air = Layer.objects.get(proposal__slug=COALITION, kind__slug="air")
    other = Client()
    other.force_login(bob)
    other.post(
        f"/proposals/{COALITION}/layers/air/edit/",
        {"description": "Satellites only.", "area": air.area, "version": air.version},
    )
    response = analyst_client.post(f"/import/{batch.pk}/apply/")
    assert response.status_code == 409
    assert f"{COALITION} / air</strong>: changed since the preview by Bob Editor" in (
        response.content.decode()
    )
    assert Layer.objects.get(pk=air.pk).description == "Satellites only."
    assert naval().area == "Black Sea"


def test_another_analyst_cannot_apply_my_upload(analyst_client, bob, seeded, tmp_path):
    upload(analyst_client, layers_export(tmp_path).replace(b",Black Sea,", b",Azov,"))
    batch = ImportBatch.objects.get()
    other = Client()
    other.force_login(bob)
    assert other.post(f"/import/{batch.pk}/apply/").status_code == 404
    assert naval().area == "Black Sea"


def test_a_file_that_changes_nothing_or_has_errors_is_not_kept(analyst_client, seeded, tmp_path):
    assert upload(analyst_client, layers_export(tmp_path)).status_code == 200
    bad = layers_export(tmp_path).replace(b",naval,", b",submarine,")
    assert upload(analyst_client, bad).status_code == 422
    assert not ImportBatch.objects.exists()


def test_errors_are_capped_at_200_then_counted(analyst_client, seeded):
    header = b"proposal_slug,kind,description,area,assets,contributors,updated_at\r\n"
    content = header + b"".join(b"no-such-plan-%d,air,Drones.,,,,\r\n" % n for n in range(250))
    response = upload(analyst_client, content)
    assert response.status_code == 422
    html = response.content.decode()
    assert "<strong>250</strong> errors" in html
    assert html.count("is not a proposal on file") == 200
    assert "… and 50 more errors, not listed." in html


def test_a_file_over_the_row_limit_is_refused_whole(analyst_client, seeded, settings, tmp_path):
    settings.IMPORT_MAX_ROWS = 3
    response = upload(analyst_client, layers_export(tmp_path))
    assert response.status_code == 422
    assert "The file has more than 3 rows, the most one import takes." in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("new", "is used by the site itself"),
        ("retired-plan", "belonged to a deleted proposal and is never reused"),
        ("x" * 101, "at most 100"),
        ("spaces not allowed", "only letters, digits, hyphens and underscores"),
    ],
)
def test_imports_use_the_forms_slug_rules(analyst_client, seeded, slug, message):
    RetiredSlug.objects.create(slug="retired-plan")
    header = (
        "slug,title,status,proponents,summary,first_reported,layer_kinds,preconditions_met,"
        "preconditions_total,updated_at,url\r\n"
    )
    content = f"{header}{slug},A plan,floated,,,,,,,,\r\n".encode()
    response = upload(analyst_client, content, kind="proposals")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Proposal.objects.filter(title="A plan").exists()


def test_purge_imports_deletes_unapplied_uploads_after_a_day(analyst, seeded):
    old, recent, applied = (
        ImportBatch.objects.create(kind="layers", content=b"x", uploaded_by=analyst)
        for _ in range(3)
    )
    day_ago = timezone.now() - dt.timedelta(hours=25)
    ImportBatch.objects.filter(pk__in=[old.pk, applied.pk]).update(created_at=day_ago)
    ImportBatch.objects.filter(pk=applied.pk).update(applied_at=timezone.now())
    out = io.StringIO()
    call_command("purge_imports", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 unapplied import."
    assert set(ImportBatch.objects.values_list("pk", flat=True)) == {recent.pk, applied.pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_applies_write_once(contract_data, analyst, tmp_path):
    client = Client()
    client.force_login(analyst)
    upload(client, layers_export(tmp_path).replace(b",Black Sea,", b",Black Sea ports,"))
    batch = ImportBatch.objects.get()
    history = naval().history.count()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def apply():
        own = Client()
        own.force_login(analyst)
        barrier.wait()
        statuses.append(own.post(f"/import/{batch.pk}/apply/").status_code)
        connection.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert naval().area == "Black Sea ports"
    assert naval().history.count() == history + 1
