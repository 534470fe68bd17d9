"""The about page (/about/): every code value defined under a stable id, the layer kinds from the
database, the source policy and how to cite; and the status badges elsewhere that link to it."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import escape

from proposals import glossary
from proposals.models import (
    ActorKind,
    CitationKind,
    Confidence,
    LayerKind,
    MandateSource,
    MissionPurpose,
    Phase,
    Precondition,
    PreconditionStatus,
    Proposal,
    ProposalStatus,
    RelationKind,
    SourceType,
    Stance,
    Unit,
)

from .factories import PreconditionFactory, ProposalFactory

pytestmark = pytest.mark.django_db

URL = "/about/"

# Each set of choices, its definitions and the prefix of its ids, which other pages link to.
DEFINED = [
    (ProposalStatus, glossary.PROPOSAL_STATUS, "status"),
    (PreconditionStatus, glossary.PRECONDITION_STATUS, "status"),
    (Stance, glossary.STANCE, "stance"),
    (Phase, glossary.PHASE, "phase"),
    (Unit, glossary.UNIT, "unit"),
    (CitationKind, glossary.CITATION_KIND, "citation"),
    (Confidence, glossary.CONFIDENCE, "confidence"),
    (SourceType, glossary.SOURCE_TYPE, "source-type"),
    (ActorKind, glossary.ACTOR_KIND, "actor-kind"),
    (RelationKind, glossary.RELATION_KIND, "relation"),
    (MandateSource, glossary.MANDATE_SOURCE, "mandate"),
    (MissionPurpose, glossary.MISSION_PURPOSE, "purpose"),
]


def about_page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def definition(html: str, anchor: str) -> str:
    """The markup of the one definition whose id is `anchor`."""
    assert html.count(f'id="{anchor}"') == 1, f"want exactly one element with id {anchor}"
    found = re.search(rf'<div class="terms__item" id="{re.escape(anchor)}">(.*?)</div>', html, re.S)
    assert found, f"#{anchor} is not a definition"
    return found.group(1)


class _Reader(HTMLParser):
    """What a page shows and where it links: its text, its ids, its links and any nested link."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.nested_links = 0
        self._open_links = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self.nested_links += self._open_links > 0
            self._open_links += 1
            self.hrefs.append(attrs.get("href") or "")
        if tag in {"script", "style", "head"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "a":
            self._open_links -= 1
        if tag in {"script", "style", "head"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


@pytest.mark.parametrize(
    ("choices", "definitions", "prefix"), DEFINED, ids=[c.__name__ for c, _, _ in DEFINED]
)
def test_every_code_value_is_defined_in_one_sentence_under_its_own_id(
    client, choices, definitions, prefix
):
    assert set(definitions) == set(choices.values), "a value without a definition, or a stale one"
    html = about_page(client)
    for value, label in choices.choices:
        text = definitions[value]
        assert text.endswith(".") and ". " not in text, f"{value}: not one sentence"
        item = definition(html, f"{prefix}-{value}")
        assert f"<dfn>{escape(label)}</dfn>" in item
        assert f"<code>{value}</code>" in item
        assert escape(text) in item


def test_proposal_and_precondition_statuses_share_a_prefix_without_clashing():
    assert not set(ProposalStatus.values) & set(PreconditionStatus.values)


def test_layer_kinds_come_from_the_database_with_their_descriptions(client):
    LayerKind.objects.create(
        slug="ground_patrols",
        name="Ground patrols",
        description="Unarmed observers who patrol the contact line by car.",
        display_order=5,
    )
    LayerKind.objects.create(slug="cyber", name="Cyber defence", description="")
    html = about_page(client)
    item = definition(html, "layer-ground_patrols")
    assert "<dfn>Ground patrols</dfn>" in item and "<code>ground_patrols</code>" in item
    assert "Unarmed observers who patrol the contact line by car." in item
    assert "No description yet." in definition(html, "layer-cyber")
    for kind in LayerKind.objects.exclude(description=""):
        assert escape(kind.description) in definition(html, f"layer-{kind.slug}")
    # In the analysts' display order: the new kind, ordered 5, comes before the seeded air (10).
    assert html.index('id="layer-ground_patrols"') < html.index('id="layer-air"')


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_issues_the_same_few_queries_however_many_layer_kinds(client):
    def add_kinds(n: int, start: int) -> None:
        for i in range(start, start + n):
            LayerKind.objects.create(slug=f"extra_{i}", name=f"Extra {i}", description=f"Kind {i}.")

    add_kinds(1, 0)
    few = count_queries(client)
    add_kinds(5, 1)
    many = count_queries(client)
    assert few == many == 2  # the data version (for the ETag) and the layer kinds
    assert "Kind 5." in about_page(client)


def test_a_status_badge_on_the_proposal_list_links_to_its_definition(client):
    ProposalFactory(status=Proposal.Status.UNDER_DISCUSSION)
    response = client.get("/proposals/")
    assert response.status_code == 200
    assert (
        '<a class="badge-link" href="/about/#status-under_discussion">'
        '<span class="badge badge--under_discussion">Under discussion</span>'
        '<span class="visually-hidden"> (what this means)</span></a>'
    ) in response.content.decode()
    assert "status-under_discussion" in read(about_page(client)).ids


def test_status_badges_never_sit_inside_another_link(client):
    proposal = ProposalFactory(status=Proposal.Status.AGREED)
    other = ProposalFactory(status=Proposal.Status.SHELVED)
    PreconditionFactory(proposal=proposal, status=Precondition.Status.IN_PROGRESS)
    compare = f"/compare/?p={proposal.slug}&p={other.slug}"
    pages = {url: client.get(url) for url in ["/", "/proposals/", compare]}
    for url, response in pages.items():
        assert response.status_code == 200, url
        html = response.content.decode()
        assert 'class="badge-link"' in html, url
        assert read(html).nested_links == 0, f"{url}: a link inside a link"
    # A precondition's badge too (compare shows each precondition's status).
    assert 'href="/about/#status-in_progress"' in pages[compare].content.decode()


def test_the_page_is_public_and_read_only(client):
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_the_main_navigation_and_the_footer_link_to_the_about_page(client):
    html = about_page(client)
    assert '<a href="/about/" aria-current="page">About</a>' in html
    other = client.get("/proposals/").content.decode()
    assert '<a href="/about/">About</a>' in other
    assert read(other).hrefs.count("/about/") == 2  # the main navigation and the footer


def test_every_link_within_the_page_has_a_target(client):
    reader = read(about_page(client))
    anchors = {href[1:] for href in reader.hrefs if href.startswith("#")}
    assert {"status", "layers", "preconditions", "sources", "cite", "data"} <= anchors
    assert anchors <= reader.ids, f"links to missing ids: {anchors - reader.ids}"
    assert {"met", "no-source", "corrections", "as-of", "first-in-our-sources"} <= reader.ids


def test_the_page_explains_the_source_policy(client):
    text = " ".join("".join(read(about_page(client)).text).split())
    assert "Only quotes are shown in quotation marks." in text
    assert "shown as according to the source" in text
    assert "Hedges such as may, might, could and would are kept as the source writes them." in text
    assert "A claim with no citation yet is marked No source yet on the page." in text
    assert "A fact from a different report is recorded only with its own source." in text
    assert "Nothing is silently overwritten." in text
    for label in Confidence.labels:
        assert label in text


def test_the_suggested_citations_use_the_sites_own_addresses_and_todays_date(client):
    html = about_page(client)
    today = format_date(timezone.localdate(), "j F Y")
    assert (
        f"Ceasefire Monitor, <cite>About Ceasefire Monitor</cite>, http://testserver/about/, "
        f"accessed {today}."
    ) in html
    assert f"http://testserver/export/proposals.csv, retrieved {today}." in html


def test_every_csv_export_is_linked_and_no_unbuilt_page_is(client):
    hrefs = read(about_page(client)).hrefs
    for name in [
        "proposals",
        "layers",
        "preconditions",
        "positions",
        "commitments",
        "status-changes",
        "actors",
    ]:
        assert f"/export/{name}.csv" in hrefs
        assert client.get(f"/export/{name}.csv").status_code == 200
    for href in [href for href in hrefs if href.startswith("/data")]:
        assert client.get(href).status_code == 200  # the releases, linked once they exist


def test_nothing_on_the_page_is_in_quotation_marks(client):
    # On public pages quotation marks mean a source's exact words; this page quotes no source.
    text = "".join(read(about_page(client)).text)
    assert not re.findall(r"[\"“”„«»]", text)
    assert not re.search(r"(^|\s)['‘][^'’]+['’](\s|[.,;:]|$)", text), "a phrase in single quotes"


def test_the_date_in_the_citation_is_the_day_it_is_read(client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2025, 3, 27))
    assert "accessed 27 March 2025." in about_page(client)
