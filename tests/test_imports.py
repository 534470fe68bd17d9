"""CSV import: line-exact errors, all or nothing, and an export imported back changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proposals.models import Layer, Precondition, Proposal

from .factories import ProposalFactory

pytestmark = pytest.mark.django_db

PROPOSALS_HEADER = (
    "slug,title,status,proponents,summary,first_reported,layer_kinds,preconditions_met,"
    "preconditions_total,updated_at,url"
)


def export(kind: str, tmp_path) -> bytes:
    path = tmp_path / f"{kind}.csv"
    call_command("export_csv", kind, output=str(path), stderr=io.StringIO())
    return path.read_bytes()


def run_import(kind: str, content: bytes, tmp_path, *extra) -> str:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_csv", kind, str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values()) for model in (Proposal, Layer, Precondition)
    ] + [Proposal.history.count(), Layer.history.count(), Precondition.history.count()]


@pytest.mark.parametrize("kind", ["proposals", "layers", "preconditions"])
def test_an_export_imported_back_changes_nothing(seeded, tmp_path, kind):
    ProposalFactory(title='=HYPERLINK("x")', summary="-starts with a dash", slug="hostile")
    before_bytes = export(kind, tmp_path)
    before = snapshot()
    output = run_import(kind, before_bytes, tmp_path)
    assert "0 to create, 0 to update" in output
    assert snapshot() == before  # no data and no history written
    assert export(kind, tmp_path) == before_bytes


def test_import_updates_and_creates_rows_and_records_history(seeded, tmp_path):
    content = export("layers", tmp_path).decode("utf-8-sig")
    content = content.replace(",Black Sea,", ",Black Sea and Sea of Azov,")
    content += (
        "un-peacekeeping-mission,air,Drones over the line.,The contact line,Drones; "
        "Satellites,United Nations,2025-01-01T00:00:00Z\r\n"
    )
    output = run_import("layers", content.encode("utf-8-sig"), tmp_path)
    assert "1 to create, 1 to update" in output
    assert Layer.objects.get(kind__slug="naval").area == "Black Sea and Sea of Azov"
    air = Layer.objects.get(proposal__slug="un-peacekeeping-mission", kind__slug="air")
    assert air.asset_list == ["Drones", "Satellites"]
    assert list(air.contributors.values_list("name", flat=True)) == ["United Nations"]
    latest = Layer.history.filter(kind__slug="naval").latest("history_date")
    assert latest.history_user is None  # by a command


def test_dry_run_writes_nothing(seeded, tmp_path):
    content = export("proposals", tmp_path).replace(b"under_discussion", b"agreed")
    before = snapshot()
    output = run_import("proposals", content, tmp_path, "--dry-run")
    assert "0 to create, 1 to update" in output
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfe\x00broken", "not UTF-8 text"),
        (b"slug,title\r\nx,y\r\n", "Line 1: the header must begin with slug,"),
        (
            (PROPOSALS_HEADER + "\r\nnew-one,New,imagined,,,,,,,,\r\n").encode(),
            "line 2, column status: “imagined” is not one of floated",
        ),
        (
            (PROPOSALS_HEADER + "\r\nnew-one,New,floated,,,2025-02-30,,,,,\r\n").encode(),
            "line 2, column first_reported: “2025-02-30” is not a date",
        ),
        (
            (
                PROPOSALS_HEADER
                + "\r\nnew-one,New,floated,,,,,,,,\r\nnew-one,Again,floated,,,,,,,,\r\n"
            ).encode(),
            "line 3, column slug: “new-one” repeats the row of line 2",
        ),
        (
            (PROPOSALS_HEADER + "\r\nnew-one," + "T" * 201 + ",floated,,,,,,,,\r\n").encode(),
            "column title",
        ),
    ],
)
def test_bad_proposal_files_are_refused_whole_with_the_line_to_fix(
    seeded, tmp_path, capsys, content, message
):
    before = snapshot()
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_csv", "proposals", str(path), stderr=err, stdout=io.StringIO())
    assert message in str(refusal.value) + err.getvalue()
    assert snapshot() == before


def test_one_bad_row_and_nothing_is_written(seeded, tmp_path):
    content = (
        PROPOSALS_HEADER + "\r\ngood-one,Good,floated,,,,,,,,\r\nbad-one,Bad,imagined,,,,,,,,\r\n"
    ).encode()
    with pytest.raises(CommandError, match="1 error; nothing was written"):
        run_import("proposals", content, tmp_path)
    assert not Proposal.objects.filter(slug="good-one").exists()


def test_layers_of_an_unknown_proposal_are_refused(seeded, tmp_path):
    content = (
        b"proposal_slug,kind,description,area,assets,contributors,updated_at\r\n"
        b"no-such-plan,air,Drones.,,,,\r\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", "layers", str(tmp_path / "x.csv"), stderr=err)
    (tmp_path / "x.csv").write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_csv", "layers", str(tmp_path / "x.csv"), stderr=err)
    assert (
        "line 2, column proposal_slug: “no-such-plan” is not a proposal on file" in err.getvalue()
    )


def test_a_file_over_the_size_limit_is_refused(seeded, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(CommandError, match="the limit is"):
        run_import("proposals", export("proposals", tmp_path), tmp_path)
