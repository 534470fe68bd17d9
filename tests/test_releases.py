"""Dataset releases: `manage.py release VERSION` freezes the published data as a Frictionless data
package, and /data/ lists the releases, with their checksums and citations, for download."""

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path

import frictionless
import pandas
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext

from proposals import exports, release_schema, releases
from proposals.models import (
    Actor,
    Layer,
    LayerKind,
    Precondition,
    Proposal,
    ProposalStatus,
    Stance,
    StatusChange,
)

from .factories import (
    ActorFactory,
    CitationFactory,
    CommitmentFactory,
    LayerFactory,
    PositionFactory,
    PreconditionFactory,
    ProposalFactory,
    SourceFactory,
    full_proposal,
    layer_kind,
)

pytestmark = pytest.mark.django_db

VERSION = "2026.1"
FILES = {f"{name}.csv": kind for name, kind in exports.FILES.items()}


@pytest.fixture
def folder(settings, tmp_path) -> Path:
    """The releases folder; the command makes it."""
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


def release(version: str = VERSION) -> str:
    """Make a release; what the command printed."""
    out = io.StringIO()
    call_command("release", version, stdout=out)
    return out.getvalue()


def archive_of(folder: Path, version: str = VERSION) -> Path:
    return folder / f"ceasefire-monitor-{version}.zip"


def descriptor_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("datapackage.json"))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def errors_of(report: frictionless.Report) -> list[str]:
    return [
        f"{task.name}: {error.type}: {error.message}"
        for task in report.tasks
        for error in task.errors
    ] + [f"{error.type}: {error.message}" for error in report.errors]


def web_export(client, name: str) -> bytes:
    response = client.get(f"/export/{name}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_release_of_the_seed_is_a_valid_package_of_the_web_exports(client, contract_data, folder):
    # contract_data commits, so the release opens its own transaction, as on the command line.
    with CaptureQueriesContext(connection) as queries:
        printed = release()
    path = archive_of(folder)
    statements = [query["sql"] for query in queries]
    if connection.vendor == "postgresql":
        first = statements[statements.index("BEGIN") + 1]  # the transaction's first statement
        assert first == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    else:
        assert "BEGIN DEFERRED" in statements  # a snapshot that holds no write lock
    report = frictionless.validate(str(path))
    assert report.valid, "\n".join(errors_of(report))
    files = members(path)
    assert sorted(files) == sorted([*FILES, "datapackage.json"])
    for name in FILES:
        assert files[name] == web_export(client, name), f"{name} differs from the web export"
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    assert str(path) in printed and sha256 in printed
    assert "proposals.csv" in printed and "status-changes.csv" in printed


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's test database lives in memory, where another connection cannot write",
)
def test_every_file_shows_the_data_at_one_moment(contract_data, folder, monkeypatch):
    proposals = exports.KINDS["proposals"]  # the first file written

    def while_an_analyst_saves_a_layer(queryset, base_url):
        yield from proposals.rows(queryset, base_url)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("UPDATE proposals_layer SET description = 'Changed meanwhile'")
        finally:
            other.close()

    monkeypatch.setitem(
        exports.KINDS,
        "proposals",
        dataclasses.replace(proposals, rows=while_an_analyst_saves_a_layer),
    )
    release()
    assert Layer.objects.filter(description="Changed meanwhile").exists()
    assert b"Changed meanwhile" not in members(archive_of(folder))["layers.csv"]


def test_the_package_describes_the_release(client, seeded, folder):
    release()
    path = archive_of(folder)
    descriptor = descriptor_of(path)
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["name"] == "ceasefire-monitor"
    assert descriptor["version"] == VERSION
    created = dt.datetime.fromisoformat(descriptor["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert descriptor["created"].endswith("Z")
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["contributors"] == [{"title": "Ceasefire Monitor", "role": "author"}]
    assert descriptor["citation"] == (
        f"Ceasefire Monitor ({created.year}). Ceasefire Monitor dataset, release {VERSION} "
        f"[Data set]. Licensed CC BY 4.0. http://127.0.0.1:8000/data/#release-{VERSION}"
    )
    files = members(path)
    for resource in descriptor["resources"]:
        content = files[resource["path"]]
        assert resource["name"] == resource["path"].removesuffix(".csv")
        assert resource["bytes"] == len(content)
        assert resource["hash"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
        assert resource["encoding"] == "utf-8-sig" and content.startswith(b"\xef\xbb\xbf")
        assert resource["dialect"]["lineTerminator"] == "\r\n"
        columns = [field["name"] for field in resource["schema"]["fields"]]
        assert columns == exports.KINDS[FILES[resource["path"]]].columns
        assert all(field["description"] for field in resource["schema"]["fields"])


def test_pandas_reads_every_file_back(seeded, folder):
    release()
    path = archive_of(folder)
    rows = {item["path"]: item["rows"] for item in descriptor_of(path)["resources"]}
    assert rows["proposals.csv"] == 2 and rows["layers.csv"] > 0
    with zipfile.ZipFile(path) as archive:
        for name, kind in FILES.items():
            frame = pandas.read_csv(archive.open(name), encoding="utf-8-sig", dtype=str)
            assert list(frame.columns) == exports.KINDS[kind].columns
            assert len(frame) == rows[name]


def test_drafts_and_the_reports_only_they_cite_are_left_out(seeded, folder):
    published = full_proposal()
    cited = SourceFactory(publisher="Open Wire", title="Published plan", url="https://e.org/a")
    CitationFactory(proposal=published, source=cited)
    draft = ProposalFactory(is_published=False, slug="secret-draft", title="Xyzzy draft plan")
    layer = LayerFactory(proposal=draft, description="Xyzzy layer")
    PreconditionFactory(proposal=draft, description="Xyzzy precondition")
    PositionFactory(proposal=draft, statement="Xyzzy statement")
    CommitmentFactory(layer=layer, note="Xyzzy commitment")
    StatusChange.objects.create(proposal=draft, status="agreed", changed_on=dt.date(2025, 4, 1))
    hidden = SourceFactory(publisher="Draft Wire", title="Draft only", url="https://e.org/d")
    CitationFactory(proposal=draft, source=hidden)
    CitationFactory(layer=layer, source=SourceFactory(publisher="Draft Wire", title="Also"))
    release()
    path = archive_of(folder)
    for name, content in members(path).items():
        if name in FILES:
            assert b"Xyzzy" not in content and b"secret-draft" not in content, name
    sources = descriptor_of(path)["sources"]
    assert {"title": "Open Wire: Published plan", "path": "https://e.org/a"} in sources
    assert not [source for source in sources if "Draft Wire" in source["title"]]
    assert published.slug.encode() in members(path)["proposals.csv"]


def test_awkward_but_lawful_data_validates(seeded, folder):
    """Formula-like text, empty optional cells, a precondition's and a proposal's own status
    changes, a commitment without a number: the schema allows all that the data may hold."""
    proposal = ProposalFactory(title="=SUM(1+1)", summary="-minus first", first_reported=None)
    minus = ActorFactory(name="-Minus Actor", slug="minus-actor")
    layer = LayerFactory(proposal=proposal, kind=layer_kind("naval"), area="@sea", assets="")
    precondition = PreconditionFactory(proposal=proposal, responsible=minus, layer=layer)
    PreconditionFactory(proposal=proposal, responsible=None)
    CommitmentFactory(layer=layer, actor=minus, quantity=None, note="+more")
    CommitmentFactory(layer=layer, actor=minus, quantity=0, stated_on=dt.date(2025, 4, 2))
    PositionFactory(proposal=proposal, actor=minus, stance=Stance.CONDITIONAL, statement="")
    day = dt.date(2025, 4, 1)
    StatusChange.objects.create(proposal=proposal, status="under_discussion", changed_on=day)
    StatusChange.objects.create(
        proposal=proposal, precondition=precondition, status="in_progress", changed_on=day
    )
    LayerKind.objects.create(slug="cyber", name="Cyber monitoring")
    release()
    report = frictionless.validate(str(archive_of(folder)))
    assert report.valid, "\n".join(errors_of(report))


def test_the_schema_gives_the_keys_and_the_code_values(seeded, folder):
    release()
    resources = {item["name"]: item for item in descriptor_of(archive_of(folder))["resources"]}
    schemas = {name: resource["schema"] for name, resource in resources.items()}
    assert schemas["proposals"]["primaryKey"] == ["slug"]
    assert schemas["layers"]["primaryKey"] == ["proposal_slug", "kind"]
    assert schemas["commitments"]["primaryKey"] == [
        "proposal_slug",
        "actor",
        "layer_kind",
        "phase",
        "unit",
        "stated_on",
    ]
    assert schemas["status-changes"]["primaryKey"] == [
        "proposal_slug",
        "precondition_slug",
        "changed_on",
    ]
    # An empty precondition_slug (the proposal's own status) is a value there, not a gap.
    assert schemas["status-changes"]["missingValues"] == []
    for name, schema in schemas.items():
        fields = {field["name"]: field for field in schema["fields"]}
        for key in schema["primaryKey"]:
            if (name, key) != ("status-changes", "precondition_slug"):
                assert fields[key]["constraints"]["required"], (name, key)
    references = {
        (
            name,
            tuple(key["fields"]),
            key["reference"]["resource"],
            tuple(key["reference"]["fields"]),
        )
        for name, schema in schemas.items()
        for key in schema.get("foreignKeys", [])
    }
    assert {
        ("layers", ("proposal_slug",), "proposals", ("slug",)),
        ("positions", ("actor",), "actors", ("slug",)),
        ("commitments", ("proposal_slug", "layer_kind"), "layers", ("proposal_slug", "kind")),
        ("preconditions", ("responsible",), "actors", ("name",)),
        ("status-changes", ("proposal_slug",), "proposals", ("slug",)),
    } <= references

    def codes(name: str, column: str) -> list[str]:
        field = next(field for field in schemas[name]["fields"] if field["name"] == column)
        return field["constraints"]["enum"]

    assert codes("proposals", "status") == ProposalStatus.values
    assert codes("positions", "stance") == Stance.values
    assert codes("preconditions", "status") == Precondition.Status.values
    assert codes("actors", "kind") == Actor.Kind.values
    assert codes("layers", "kind") == sorted(LayerKind.objects.values_list("slug", flat=True))


def test_frictionless_catches_a_tampered_file(seeded, folder, tmp_path):
    release()
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(archive_of(folder)) as archive:
        archive.extractall(unpacked)
    proposals = unpacked / "proposals.csv"
    proposals.write_bytes(proposals.read_bytes().replace(b",floated,", b",imagined,", 1))
    changes = unpacked / "status-changes.csv"
    changes.write_bytes(changes.read_bytes().replace(b"\r\nun-", b"\r\nno-such-", 1))
    report = frictionless.validate(str(unpacked / "datapackage.json"))
    found = {error.split(": ")[1] for error in errors_of(report)}
    assert {"constraint-error", "hash-count", "foreign-key"} <= found


def test_a_version_that_exists_is_refused_and_its_file_kept(seeded, folder):
    release()
    path = archive_of(folder)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    ProposalFactory(title="Made after the release")
    with pytest.raises(CommandError, match="exists already") as refused:
        release()
    assert refused.value.returncode == 1
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert [item.name for item in folder.iterdir()] == [path.name]


@pytest.mark.parametrize("version", ["../x", "", "a b", ".hidden", "-1", "a/b", "v" * 41])
def test_a_bad_version_is_refused(db, folder, version):
    with pytest.raises(CommandError, match="cannot be a release's version"):
        release(version)
    assert not folder.exists() or not list(folder.iterdir())


def test_a_good_version_may_have_dots_hyphens_and_underscores(db, folder):
    release("v2026.1-rc_2")
    assert archive_of(folder, "v2026.1-rc_2").exists()


def test_a_failure_while_writing_leaves_nothing_behind(seeded, folder, monkeypatch):
    positions = exports.KINDS["positions"]

    def breaks_off(proposals, base_url):
        yield from positions.rows(proposals, base_url)
        raise RuntimeError("the database went away")

    monkeypatch.setitem(exports.KINDS, "positions", dataclasses.replace(positions, rows=breaks_off))
    with pytest.raises(RuntimeError, match="went away"):
        release()
    assert list(folder.iterdir()) == []


def test_a_package_that_does_not_validate_is_not_released(seeded, folder, monkeypatch):
    code_values = release_schema.code_values
    monkeypatch.setattr(
        releases, "code_values", lambda kinds: code_values(kinds) | {"stance": ["imagined"]}
    )
    with pytest.raises(CommandError, match="does not validate") as refused:
        release()
    assert "positions" in str(refused.value)
    assert list(folder.iterdir()) == []


def test_of_two_releases_of_one_version_at_once_only_the_first_stands(seeded, folder, monkeypatch):
    validation_problems = releases.validation_problems

    def while_another_command_finishes_first(archive, where):
        archive_of(where).write_bytes(b"theirs")
        return validation_problems(archive, where)

    monkeypatch.setattr(releases, "validation_problems", while_another_command_finishes_first)
    with pytest.raises(CommandError, match="made by someone else meanwhile"):
        release()
    assert archive_of(folder).read_bytes() == b"theirs"
    assert [item.name for item in folder.iterdir()] == [archive_of(folder).name]


# /data/


def data_page(client) -> str:
    response = client.get("/data/")
    assert response.status_code == 200
    return response.content.decode()


def test_data_lists_a_release_to_download_check_and_cite(client, seeded, folder):
    release()
    path = archive_of(folder)
    content = path.read_bytes()
    descriptor = descriptor_of(path)
    page = data_page(client)
    assert f'id="release-{VERSION}"' in page
    assert f"Release {VERSION}" in page
    assert hashlib.sha256(content).hexdigest() in page
    assert filesizeformat(len(content)) in page
    assert f'<p class="citation-example">{descriptor["citation"]}</p>' in page
    for resource in descriptor["resources"]:
        row = f'<td><code>{resource["path"]}</code></td><td class="num">{resource["rows"]}</td>'
        assert row in page
    url = f"/data/{path.name}"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{path.name}"'
    assert b"".join(response.streaming_content) == content
    assert client.head(url).status_code == 200


def test_data_lists_the_newest_release_first(client, seeded, folder):
    for version in ["2026.9", "2026.10", "2026.11"]:  # made within a second or two
        release(version)
    page = data_page(client)
    assert page.index('id="release-2026.11"') < page.index('id="release-2026.10"')
    assert page.index('id="release-2026.10"') < page.index('id="release-2026.9"')
    response = client.get("/data/")
    assert response.context["latest_release"].version == "2026.11"


def test_data_without_a_release_says_how_one_is_made(client, db, folder):
    page = data_page(client)
    assert "No release has been made yet" in page
    assert "python manage.py release" in page
    assert client.get("/data/").context["latest_release"] is None


@pytest.mark.parametrize(
    "name",
    [
        "ceasefire-monitor-9.9.zip",
        "..%2Fconfig%2Fsettings.py",
        "../../config/settings.py",
        ".ceasefire-monitor-2026.2.zip.x.part",
        "notes.txt",
        "ceasefire-monitor-2026.1.zip%00.txt",
    ],
)
def test_only_a_listed_release_can_be_downloaded(client, seeded, folder, name):
    release()
    (folder / "notes.txt").write_text("not a release")
    (folder / ".ceasefire-monitor-2026.2.zip.x.part").write_bytes(b"half a file")
    assert client.get(f"/data/{name}").status_code == 404


def test_files_that_are_not_releases_do_not_break_the_page(client, seeded, folder, caplog):
    release()
    (folder / "ceasefire-monitor-broken.zip").write_bytes(b"not a zip at all")
    with zipfile.ZipFile(folder / "ceasefire-monitor-empty.zip", "w") as archive:
        archive.writestr("readme.txt", "no datapackage.json")
    with zipfile.ZipFile(folder / "ceasefire-monitor-renamed.zip", "w") as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor_of(archive_of(folder))))
    (folder / ".ceasefire-monitor-half.zip.x.part").write_bytes(b"PK\x03\x04")
    with caplog.at_level(logging.WARNING, logger="proposals.releases"):
        page = data_page(client)
    assert f'id="release-{VERSION}"' in page
    assert "broken" not in page and "empty" not in page and "renamed" not in page
    assert len(caplog.records) == 3
    assert client.get("/data/ceasefire-monitor-broken.zip").status_code == 404
    # Their problem was logged once, not on every request.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="proposals.releases"):
        data_page(client)
    assert not caplog.records


def test_a_release_is_hashed_once_not_on_every_request(client, seeded, folder, monkeypatch):
    release()
    cache.clear()  # as in another process, which has not seen the file yet
    hashed = []
    file_sha256 = releases.file_sha256
    monkeypatch.setattr(
        releases, "file_sha256", lambda path: hashed.append(path) or file_sha256(path)
    )
    for _ in range(3):
        data_page(client)
    assert hashed == [archive_of(folder)]


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_data_page_uses_a_constant_number_of_queries(client, analyst, seeded, folder):
    reader = count_queries(client, "/data/")
    assert reader == 1  # no release: the data version (for the ETag) and the folder
    release("1")
    ProposalFactory()  # a change since
    cache.clear()
    one = count_queries(client, "/data/")
    for n, version in enumerate(["2", "3"]):
        for proposal in Proposal.objects.all():  # changes since the latest release
            proposal.summary += f" More {n}."
            proposal.save()
        release(version)
        ProposalFactory()
    cache.clear()
    assert count_queries(client, "/data/") == one
    # Then what changed since each release from the cache: the data version only.
    assert count_queries(client, "/data/") == 1
    client.force_login(analyst)
    client.get("/data/")  # the workspace's count in the menu is cached from then on
    signed_in = count_queries(client, "/data/")
    ProposalFactory()
    client.get("/data/")
    assert count_queries(client, "/data/") == signed_in


def test_data_page_lists_the_changes_since_the_latest_release(client, seeded, folder):
    release("1")
    assert "Nothing published has changed since release 1" in client.get("/data/").content.decode()
    proposal = Proposal.objects.get(slug="un-peacekeeping-mission")
    proposal.summary = "A new summary."
    proposal.save()
    ProposalFactory(is_published=False, title="A draft nobody may see")
    page = client.get("/data/").content.decode()
    section = page[page.index('id="changes-since"') :]
    assert "UN peacekeeping mission" in section
    assert "The proposal" in section and "changed" in section
    assert "A draft nobody may see" not in page
    assert f'href="/proposals/{proposal.slug}/history/?change=' in section


def test_about_page_points_to_the_releases(client, db):
    response = client.get("/about/")
    page = response.content.decode()
    cite = page[page.index('id="cite-data"') : page.index('id="data"')]
    assert 'href="/data/"' in cite
    assert "CC BY 4.0" in cite
