"""CSV exports: exactly what was filtered, clean in spreadsheets, never a formula."""

import csv
import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from proposals import exports
from proposals.filters import filter_proposals
from proposals.models import Actor, Layer, Proposal

from .factories import (
    ActorFactory,
    CommitmentFactory,
    LayerFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

COALITION = "coalition-of-the-willing-security-concept"

COLUMNS = {
    "proposals": "slug,title,status,proponents,summary,first_reported,layer_kinds,"
    "preconditions_met,preconditions_total,updated_at,url",
    "layers": "proposal_slug,kind,description,area,assets,contributors,updated_at",
    "preconditions": "proposal_slug,slug,description,status,responsible,layer_kind,updated_at",
    "positions": "proposal_slug,actor,stance,stated_on,statement,updated_at",
    "commitments": "proposal_slug,actor,layer_kind,phase,quantity,unit,stated_on,note,updated_at",
    "status-changes": "proposal_slug,precondition_slug,status,changed_on,note,updated_at",
    "actors": "slug,name,kind,description,updated_at",
}


def download(client, kind, **params):
    response = client.get(f"/export/{kind}.csv", params)
    assert response.status_code == 200, response.content
    return response, b"".join(response.streaming_content)


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("kind", COLUMNS)
def test_each_export_is_a_streamed_utf8_csv_with_the_contract_columns(client, seeded, kind):
    response, content = download(client, kind)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = dt.date.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="ceasefire-monitor-{kind}-{today}.csv"'
    )
    assert content.startswith("\ufeff".encode())
    assert content.decode("utf-8-sig").split("\r\n")[0] == COLUMNS[kind]
    # Records end in CRLF; a line break inside a quoted cell (a summary's paragraphs) is data.
    unquoted = re.sub(rb'"(?:[^"]|"")*"', b"", content)
    assert b"\r\n" in content and b"\n" not in unquoted.replace(b"\r\n", b"")


def test_proposals_export_holds_the_seed(client, seeded):
    by_slug = {row["slug"]: row for row in rows(download(client, "proposals")[1])}
    coalition = by_slug["coalition-of-the-willing-security-concept"]
    assert coalition["status"] == "under_discussion"
    assert coalition["layer_kinds"] == "air; naval; un_force; border_training; us_guarantor"
    assert coalition["proponents"] == "France; United Kingdom"
    assert coalition["first_reported"] == "2025-03-25"
    assert (
        coalition["url"]
        == "http://127.0.0.1:8000/proposals/coalition-of-the-willing-security-concept/"
    )
    un = by_slug["un-peacekeeping-mission"]
    assert (un["preconditions_met"], un["preconditions_total"]) == ("0", "3")
    assert un["updated_at"].endswith("Z") and "T" in un["updated_at"]


def test_layers_and_preconditions_exports(client, seeded):
    layers = rows(download(client, "layers")[1])
    naval = next(r for r in layers if r["kind"] == "naval")
    assert naval["proposal_slug"] == "coalition-of-the-willing-security-concept"
    assert naval["area"] == "Black Sea"
    air = next(r for r in layers if r["kind"] == "air")
    assert air["assets"] == "Satellites; Drones"
    preconditions = rows(download(client, "preconditions")[1])
    mandate = next(r for r in preconditions if r["slug"] == "security-council-mandate")
    assert mandate["responsible"] == "UN Security Council"
    assert mandate["status"] == "unmet"


def test_exports_honour_the_list_filters(client, seeded):
    assert [r["slug"] for r in rows(download(client, "proposals", status="floated")[1])] == [
        "un-peacekeeping-mission"
    ]
    layers = rows(download(client, "layers", layer="naval")[1])
    assert {r["proposal_slug"] for r in layers} == {"coalition-of-the-willing-security-concept"}
    assert len(layers) == 5  # all layers of the proposals that have a naval one
    assert rows(download(client, "preconditions", q="Black Sea")[1]) == []


def test_exports_never_contain_drafts(client, analyst_client, seeded):
    Proposal.objects.filter(slug="un-peacekeeping-mission").update(is_published=False)
    for c in (client, analyst_client):
        slugs = [r["slug"] for r in rows(download(c, "proposals")[1])]
        assert slugs == ["coalition-of-the-willing-security-concept"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_no_text_cell_can_run_as_a_formula(client, db, start):
    proposal = ProposalFactory(title=f'{start}HYPERLINK("http://evil")', summary=f"{start}1+1")
    LayerFactory(proposal=proposal, kind=layer_kind("air"), area=f"{start}cmd|' /C calc'!A0")
    PreconditionFactory(proposal=proposal, description=f"{start}SUM(A1:A9)")
    proposal_row = rows(download(client, "proposals")[1])[0]
    assert proposal_row["title"] == f'\'{start}HYPERLINK("http://evil")'
    assert proposal_row["summary"] == f"'{start}1+1"
    assert proposal_row["preconditions_total"] == "1"  # numbers are left alone
    assert rows(download(client, "layers")[1])[0]["area"].startswith(f"'{start}")
    assert rows(download(client, "preconditions")[1])[0]["description"].startswith(f"'{start}")


def test_quotes_commas_and_newlines_survive_the_round_trip(client, db):
    ProposalFactory(title='A "quoted", comma title', summary="Line one\nLine two")
    row = rows(download(client, "proposals")[1])[0]
    assert row["title"] == 'A "quoted", comma title'
    assert row["summary"] == "Line one\nLine two"


def test_an_invalid_filter_is_refused_with_a_message(client, seeded):
    response = client.get("/export/proposals.csv", {"status": "imagined"})
    assert response.status_code == 400
    assert "imagined is not a value we know" in response.content.decode()


@pytest.mark.parametrize("kind", COLUMNS)
def test_the_command_writes_the_same_bytes_as_the_web(client, seeded, tmp_path, kind):
    _, web = download(client, kind, status="under_discussion")
    output = tmp_path / "export.csv"
    call_command(
        "export_csv",
        kind.replace("-", "_"),  # the command's name for status-changes.csv (CONTRACT)
        output=str(output),
        status=["under_discussion"],
        stderr=io.StringIO(),
    )
    assert output.read_bytes() == web


def test_the_list_and_proposal_pages_offer_downloads_of_their_view(client, seeded):
    html = client.get("/proposals/?status=floated").content.decode()
    assert 'href="/export/proposals.csv?status=floated"' in html
    assert 'href="/export/layers.csv?status=floated"' in html


def test_a_proposal_page_offers_its_own_csv(client, seeded):
    html = client.get("/proposals/un-peacekeeping-mission/").content.decode()
    assert 'href="/export/preconditions.csv?proposal=un-peacekeeping-mission"' in html
    preconditions = rows(download(client, "preconditions", proposal="un-peacekeeping-mission")[1])
    assert {r["proposal_slug"] for r in preconditions} == {"un-peacekeeping-mission"}
    assert len(preconditions) == 3


def test_pandas_reads_the_exports_as_written(client, seeded):
    import pandas

    frame = pandas.read_csv(
        io.BytesIO(download(client, "proposals")[1]), encoding="utf-8-sig", keep_default_na=False
    )
    assert list(frame.columns) == COLUMNS["proposals"].split(",")
    row = frame.set_index("slug").loc["un-peacekeeping-mission"]
    assert row["title"] == "UN peacekeeping mission to monitor a possible future ceasefire"
    assert row["preconditions_total"] == 3  # a number, read as a number
    assert row["first_reported"] == "2025-03-25"
    layers = pandas.read_csv(io.BytesIO(download(client, "layers")[1]), encoding="utf-8-sig")
    assert len(layers) == 6
    assert "Russia–Ukraine" in layers.set_index("kind").loc["air", "area"]


def test_the_dated_records_export_as_the_contract_says(client, seeded):
    coalition = Proposal.objects.get(slug="coalition-of-the-willing-security-concept")
    naval = coalition.layers.get(kind__slug="naval")
    CommitmentFactory(
        layer=naval, actor=Actor.objects.get(slug="france"), quantity=2, unit="ships", note="=1+1"
    )
    positions = rows(download(client, "positions")[1])
    assert [(r["proposal_slug"], r["actor"], r["stance"], r["stated_on"]) for r in positions] == [
        (coalition.slug, "france", "proposes", "2025-03-25"),
        (coalition.slug, "united-kingdom", "proposes", "2025-03-25"),
    ]
    (commitment,) = rows(download(client, "commitments")[1])
    assert commitment | {"updated_at": ""} == {
        "proposal_slug": coalition.slug,
        "actor": "france",
        "layer_kind": "naval",
        "phase": "pledged",
        "quantity": "2",
        "unit": "ships",
        "stated_on": "2025-04-01",
        "note": "'=1+1",  # never a formula
        "updated_at": "",
    }
    changes = rows(download(client, "status-changes")[1])
    assert {(r["proposal_slug"], r["precondition_slug"], r["status"]) for r in changes} >= {
        (coalition.slug, "", "under_discussion"),
        ("un-peacekeeping-mission", "russian-consent", "unmet"),
    }
    actors = {r["slug"]: r for r in rows(download(client, "actors")[1])}
    assert actors["france"]["name"] == "France" and actors["france"]["kind"] == "state"
    # The filters of /proposals/ apply to the dated records too.
    assert rows(download(client, "positions", status="floated")[1]) == []


def test_the_command_line_calls_status_changes_status_changes(seeded, tmp_path):
    path = tmp_path / "changes.csv"
    call_command("export_csv", "status_changes", output=str(path), stderr=io.StringIO())
    assert path.read_text("utf-8-sig").startswith(COLUMNS["status-changes"])


# What the database does for the file: lists, apostrophes, timestamps, NULLs, the order.

STAMP = dt.datetime(2025, 3, 27, 9, 5, 7, 999_999, tzinfo=dt.UTC)  # written to the second


def test_awkward_cells_are_written_byte_for_byte(client, db):
    """Quotes, line breaks, tabs, unicode, formula-like cells and ordered lists, exactly."""
    zoe = ActorFactory(name="Zoë Forces")
    amy = ActorFactory(name="Amy Corps")
    formula = ActorFactory(name="=Evil Corp")
    proposal = ProposalFactory(slug="awkward")
    LayerFactory(
        proposal=proposal,
        kind=layer_kind("naval"),
        description="\tTabbed",
        area="",
        assets="-mines\nships",
        contributors=[zoe, formula],
    )
    LayerFactory(
        proposal=proposal,
        kind=layer_kind("air"),
        description='Says "hold",\nthen waits',
        area="@front",
        assets="  Drones \n\n=radar\r\nСупутники",
        contributors=[zoe, amy],
    )
    LayerFactory(proposal=ProposalFactory(slug="-dash"), kind=layer_kind("air"), assets="")
    Layer.objects.update(updated_at=STAMP)
    assert (
        download(client, "layers")[1]
        == (
            "\ufeffproposal_slug,kind,description,area,assets,contributors,updated_at\r\n"
            "'-dash,air,Drones watch the line.,The contact line,,,2025-03-27T09:05:07Z\r\n"
            'awkward,air,"Says ""hold"",\nthen waits",\'@front,Drones; =radar; Супутники,'
            "Amy Corps; Zoë Forces,2025-03-27T09:05:07Z\r\n"
            "awkward,naval,'\tTabbed,,'-mines; ships,'=Evil Corp; Zoë Forces,2025-03-27T09:05:07Z\r\n"
        ).encode()
    )


def test_empty_values_are_empty_cells_and_lists_keep_their_order(client, db):
    backers = [ActorFactory(name="Österreich"), ActorFactory(name="@Belgium")]
    proposal = ProposalFactory(slug="sparse", first_reported=None, proponents=backers)
    naval = LayerFactory(proposal=proposal, kind=layer_kind("naval"))
    LayerFactory(proposal=proposal, kind=layer_kind("air"))
    PreconditionFactory(proposal=proposal, slug="open", status="met")
    PreconditionFactory(proposal=proposal, slug="closed")
    CommitmentFactory(layer=naval, quantity=None, unit="other", note="")
    (row,) = rows(download(client, "proposals")[1])
    assert row["first_reported"] == ""
    assert row["proponents"] == "'@Belgium; Österreich"
    assert row["layer_kinds"] == "air; naval"  # the kinds' own order
    assert (row["preconditions_met"], row["preconditions_total"]) == ("1", "2")
    preconditions = rows(download(client, "preconditions")[1])
    assert [(r["slug"], r["responsible"], r["layer_kind"]) for r in preconditions] == [
        ("open", "", ""),
        ("closed", "", ""),
    ]
    (commitment,) = rows(download(client, "commitments")[1])
    assert (commitment["quantity"], commitment["unit"], commitment["note"]) == ("", "other", "")


# Cached in blocks under the data version.


def test_a_second_export_of_unchanged_data_comes_from_the_cache(client, seeded):
    _, first = download(client, "layers", status="under_discussion")
    with CaptureQueriesContext(connection) as queries:
        _, second = download(client, "layers", status="under_discussion")
    assert second == first
    # The data version, and nothing for the file itself.
    assert len(queries) == 1 and "proposals_dataversion" in queries[0]["sql"]


def test_an_export_after_an_edit_shows_the_edit(analyst_client, seeded):
    reader = Client()
    assert "Black Sea and Sea of Azov" not in download(reader, "layers")[1].decode()
    naval = Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")
    response = analyst_client.post(
        f"/proposals/{COALITION}/layers/naval/edit/",
        {
            "description": naval.description,
            "area": "Black Sea and Sea of Azov",
            "assets": "Frigates",
            "version": naval.version,
        },
    )
    assert response.status_code == 302
    layers = rows(download(reader, "layers")[1])
    edited = next(r for r in layers if r["kind"] == "naval")
    assert (edited["area"], edited["assets"]) == ("Black Sea and Sea of Azov", "Frigates")


FILTERED = [
    {},
    {"status": "under_discussion"},
    {"sort": "-first_reported"},
    {"sort": "title"},
    {"q": "ceasefire"},
]


@pytest.mark.parametrize("params", FILTERED)
@pytest.mark.parametrize("kind", COLUMNS)
def test_an_export_continues_from_the_blocks_a_reader_left_in_the_cache(
    client, seeded, tmp_path, monkeypatch, kind, params
):
    # Records whose sort keys hold NULLs: a proposal never reported, its own status changes.
    ProposalFactory(slug="unreported", first_reported=None, title="A ceasefire plan")
    command = [kind.replace("-", "_")] + [f"--{name}={value}" for name, value in params.items()]
    call_command("export_csv", *command, output=str(tmp_path / "file.csv"), stderr=io.StringIO())
    expected = (tmp_path / "file.csv").read_bytes()
    # Small blocks, written two rows at a time: some end by their rows, some by their size.
    monkeypatch.setattr(exports, "BLOCK_ROWS", 3)
    monkeypatch.setattr(exports, "BLOCK_BYTES", 400)
    monkeypatch.setattr(exports, "BATCH", 2)
    filterset, _ = filter_proposals(QueryDict(urlencode(params)), Proposal.objects.published())
    stopped = exports.cached_csv(
        exports.KINDS[kind.replace("-", "_")], filterset, settings.SITE_URL
    )
    next(stopped)  # a reader takes the first block and goes away
    stopped.close()
    assert download(client, kind, **params)[1] == expected  # the rest from the database
    with CaptureQueriesContext(connection) as queries:
        assert download(client, kind, **params)[1] == expected  # all of it from the cache
    assert len(queries) == 1


def test_parameters_that_are_not_filters_share_the_cached_file(client, seeded):
    _, first = download(client, "layers", status="under_discussion")
    with CaptureQueriesContext(connection) as queries:
        _, second = download(client, "layers", status="under_discussion", utm_source="newsletter")
    assert second == first and len(queries) == 1
