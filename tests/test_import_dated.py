"""Importing actors, positions, commitments and status changes: the rules of every import."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from proposals.models import Actor, Commitment, Position, Precondition, Proposal, StatusChange

from .factories import CommitmentFactory

pytestmark = pytest.mark.django_db

COALITION = "coalition-of-the-willing-security-concept"
UN = "un-peacekeeping-mission"
HEADERS = {
    "actors": "slug,name,kind,description,updated_at",
    "positions": "proposal_slug,actor,stance,stated_on,statement,updated_at",
    "commitments": "proposal_slug,actor,layer_kind,phase,quantity,unit,stated_on,note,updated_at",
    "status_changes": "proposal_slug,precondition_slug,status,changed_on,note,updated_at",
}


def export(kind: str, tmp_path) -> bytes:
    path = tmp_path / f"{kind}.csv"
    call_command("export_csv", kind, output=str(path), stderr=io.StringIO())
    return path.read_bytes()


def run_import(kind: str, content: bytes, tmp_path) -> str:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_csv", kind, str(path), stdout=out, stderr=err)
    except CommandError as refusal:
        raise CommandError(f"{refusal}\n{err.getvalue()}") from None
    return out.getvalue()


def csv_file(kind: str, *lines: str) -> bytes:
    return ("\r\n".join([HEADERS[kind], *lines]) + "\r\n").encode()


def snapshot() -> list:
    models = (Actor, Position, Commitment, StatusChange, Proposal, Precondition)
    return [list(m.objects.order_by("pk").values()) for m in models] + [
        m.history.count() for m in models
    ]


@pytest.mark.parametrize("kind", list(HEADERS))
def test_an_export_imported_back_changes_nothing(seeded, tmp_path, kind):
    naval = Proposal.objects.get(slug=COALITION).layers.get(kind__slug="naval")
    CommitmentFactory(layer=naval, actor=Actor.objects.get(slug="france"), note="=SUM(A1)")
    before = snapshot()
    content = export(kind, tmp_path)
    assert "0 to create, 0 to update" in run_import(kind, content, tmp_path)
    assert snapshot() == before
    assert export(kind, tmp_path) == content


def test_actors_then_their_positions_change_who_backs_a_proposal(seeded, tmp_path):
    run_import("actors", csv_file("actors", "poland,Poland,state,,"), tmp_path)
    output = run_import(
        "positions",
        csv_file(
            "positions",
            f"{COALITION},poland,supports,2025-04-01,Said it would help.,",
            f"{COALITION},france,declines,2025-05-01,,",
        ),
        tmp_path,
    )
    assert "2 to create" in output
    coalition = Proposal.objects.get(slug=COALITION)
    assert set(coalition.proponents.values_list("slug", flat=True)) == {"poland", "united-kingdom"}


def test_an_imported_status_change_sets_the_status_in_force(seeded, tmp_path):
    run_import(
        "status_changes",
        csv_file("status_changes", f"{UN},russian-consent,met,2025-06-01,Agreed in talks.,"),
        tmp_path,
    )
    assert Precondition.objects.get(slug="russian-consent").status == "met"
    # An earlier change adds to the timeline without replacing the status in force.
    run_import(
        "status_changes",
        csv_file("status_changes", f"{UN},russian-consent,in_progress,2025-05-01,,"),
        tmp_path,
    )
    assert Precondition.objects.get(slug="russian-consent").status == "met"


@pytest.mark.parametrize(
    ("kind", "line", "message"),
    [
        (
            "positions",
            f"{COALITION},atlantis,supports,2025-04-01,,",
            "line 2, column actor: “atlantis” is not an actor's slug on file",
        ),
        (
            "positions",
            f"{COALITION},france,adores,2025-04-01,,",
            "column stance: “adores” is not one of",
        ),
        ("positions", f"{COALITION},france,supports,,,", "column stated_on: is required"),
        ("positions", f"{COALITION},france,supports,2999-01-01,,", "is in the future"),
        (
            "commitments",
            f"{COALITION},france,submarine,pledged,10,ships,2025-04-01,,",
            "column layer_kind: “submarine” is not a layer of this proposal",
        ),
        (
            "commitments",
            f"{COALITION},france,naval,promised,10,ships,2025-04-01,,",
            "column phase: “promised” is not one of",
        ),
        (
            "commitments",
            f"{COALITION},france,naval,pledged,10,tanks,2025-04-01,,",
            "column unit: “tanks” is not one of",
        ),
        (
            "commitments",
            f"{COALITION},france,naval,pledged,ten,ships,2025-04-01,,",
            "column quantity: “ten” is not a whole number",
        ),
        (
            "status_changes",
            f"{UN},no-such,met,2025-04-01,,",
            "column precondition_slug: “no-such” is not a precondition",
        ),
        ("status_changes", f"{UN},,met,2025-04-01,,", "column status: “met” is not one of floated"),
        (
            "status_changes",
            "nowhere,,floated,2025-04-01,,",
            "column proposal_slug: “nowhere” is not a proposal on file",
        ),
        (
            "actors",
            "france,United Kingdom,state,,",
            "column name: “United Kingdom” is the name of the actor “united-kingdom”",
        ),
        ("actors", "poland,Poland,empire,,", "column kind: “empire” is not one of"),
    ],
)
def test_bad_rows_are_refused_whole_naming_line_column_and_value(
    seeded, tmp_path, kind, line, message
):
    before = snapshot()
    with pytest.raises(CommandError) as refusal:
        run_import(kind, csv_file(kind, line), tmp_path)
    assert message in str(refusal.value)
    assert snapshot() == before
