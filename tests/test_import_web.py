"""Analysts import at /import/: upload, preview, apply."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from proposals.models import ImportBatch, Layer

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
    # Applied once only.
    assert analyst_client.post(f"/import/{batch.pk}/apply/").status_code == 404


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
