"""Evidence a reader can trust: typed citations, the verbatim check, the source page, the audit, and
no words in quotation marks on a public page that a stored source does not contain."""

import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from proposals import verbatim
from proposals.models import (
    Actor,
    Citation,
    Event,
    Layer,
    Proposal,
    ProposalRelation,
    Source,
)
from proposals.seed import records

from .factories import (
    CitationFactory,
    CommitmentFactory,
    EventFactory,
    LayerFactory,
    PositionFactory,
    ProposalFactory,
    SourceFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"
HTMX = {"HTTP_HX_REQUEST": "true"}


def audit() -> tuple[int, list[str]]:
    out = StringIO()
    try:
        call_command("audit_sources", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


# The verbatim check ------------------------------------------------------------------------


def test_the_verbatim_check_treats_typography_alike_and_returns_the_sources_words():
    text = "This would also require Russia’s agreement.\nA  “true” force – of soldiers."
    assert verbatim.find("require Russia's agreement", text) == "require Russia’s agreement"
    assert verbatim.find('A "true" force - of', text) == "A  “true” force – of"
    assert verbatim.find("require Russia’s consent", text) is None
    assert verbatim.find("would also Require", text) is None  # case matters
    assert verbatim.problem("anything at all", "") is None  # no text on file: not checked
    assert "Leave out the quotation marks" in verbatim.problem("“would also”", text)


# Citing -------------------------------------------------------------------------------------


def cite(client, on: str, **data):
    source = Source.objects.get()
    fields = {"kind": "quote", "confidence": "reported", "source": source.pk} | data
    return client.post(f"/proposals/{UN}/citations/new/?on={on}", fields, **HTMX)


def test_a_quote_that_is_not_in_the_sources_text_is_refused(analyst_client, seeded):
    response = cite(analyst_client, "proposal", text="no mission is planned at all")
    assert response.status_code == 422
    assert "These words are not in the source&#x27;s text" in response.content.decode()
    assert not Citation.objects.filter(text__contains="at all").exists()


def test_a_quote_is_stored_as_the_source_writes_it(analyst_client, seeded):
    response = cite(analyst_client, "proposal", text="This would also require Russia's agreement")
    assert response.status_code == 200
    citation = Citation.objects.get(proposal__slug=UN, text__startswith="This would")
    assert citation.text == "This would also require Russia’s agreement"


def test_a_paraphrase_is_not_checked_word_for_word_and_is_never_in_quotation_marks(
    analyst_client, client, seeded
):
    response = cite(
        analyst_client,
        "proposal",
        kind="paraphrase",
        text="The UN might study the idea further",
        speaker="A UN spokesperson",
        hedge="might",
    )
    assert response.status_code == 200
    html = client.get(f"/proposals/{UN}/").content.decode()
    assert "“The UN might study" not in html
    assert '<p class="paraphrase">The UN might study the idea further</p>' in html
    assert "according to A UN spokesperson, as reported by" in html
    assert "The source hedges: <em>might</em>" in html


def test_a_new_source_is_described_in_full_and_its_text_checks_the_quote(analyst_client, seeded):
    new_source = {
        "kind": "quote",
        "confidence": "confirmed",
        "text": "The mandate was adopted",
        "new_source_publisher": "UN Press",
        "new_source_source_type": "official",
        "new_source_language": "en",
        "new_source_text": "Press release. The mandate was not adopted today.",
    }
    url = f"/proposals/{UN}/citations/new/?on=precondition:security-council-mandate"
    refused = analyst_client.post(url, new_source, **HTMX)
    assert refused.status_code == 422
    assert not Source.objects.filter(publisher="UN Press").exists()
    accepted = analyst_client.post(
        url, new_source | {"text": "The mandate was not adopted"}, **HTMX
    )
    assert accepted.status_code == 200
    source = Source.objects.get(publisher="UN Press")
    assert (source.title, source.source_type, source.url) == ("", "official", "")
    citation = source.citations.get()
    assert (citation.confidence, citation.precondition.slug) == (
        "confirmed",
        "security-council-mandate",
    )


@pytest.mark.parametrize("claim", ["event", "relation", "commitment"])
def test_events_relations_and_commitments_can_be_cited_in_place(analyst_client, seeded, claim):
    un = Proposal.objects.get(slug=UN)
    record = {
        "event": lambda: un.events.get(),
        "relation": lambda: ProposalRelation.objects.get(proposal=un),
        "commitment": lambda: CommitmentFactory(
            layer=un.layers.get(), actor=Actor.objects.get(slug="france")
        ),
    }[claim]()
    response = cite(analyst_client, record.cite_on, text="no such mission is yet planned")
    assert response.status_code == 200
    shown = record.layer if claim == "commitment" else record  # a commitment shows in its layer
    assert f'id="{shown.anchor}"' in response.content.decode()
    assert Citation.objects.filter(**{claim: record}, text="no such mission is yet planned")


def test_an_event_of_another_proposal_cannot_be_cited_through_this_one(analyst_client, seeded):
    summit = Event.objects.get(place="Paris")  # on the coalition's timeline only
    assert cite(analyst_client, summit.cite_on, text="x").status_code == 404


# The marks on the pages -----------------------------------------------------------------------


def test_the_speaker_is_shown_only_when_it_is_not_the_publisher(client, db):
    proposal = ProposalFactory()
    source = SourceFactory(publisher="dpa, carried by NAN")
    CitationFactory(proposal=proposal, source=source, text="words one", speaker="dpa")
    CitationFactory(proposal=proposal, source=source, text="words two", speaker="Jane Doe")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "— <a" in html  # dpa's own words: the publisher alone
    assert "Jane Doe, as reported by" in html
    assert "dpa, as reported by" not in html and ", in dpa" not in html


def test_an_unsourced_claim_is_marked_and_audit_sources_fails_until_it_is_cited(client, seeded):
    assert audit() == (0, ["Every published claim cites a source."])
    coalition = Proposal.objects.get(slug=COALITION)
    kind = layer_kind("air")
    Layer.objects.filter(proposal=coalition, kind=kind).delete()
    LayerFactory(proposal=coalition, kind=kind, description="Drones over the line.")

    status, lines = audit()
    assert status == 1
    assert lines == [f"layer\t{COALITION}\tthe Air monitoring layer"]
    html = client.get(f"/proposals/{COALITION}/").content.decode()
    layer_html = html[html.index('id="layer-air"') : html.index('id="layer-naval"')]
    assert "No source yet" in layer_html
    assert "No source yet" not in html[html.index('id="layer-naval"') : html.index("</ul>")]

    CitationFactory(layer=Layer.objects.get(proposal=coalition, kind=kind))
    assert audit()[0] == 0


def test_audit_sources_names_each_kind_of_claim_and_ignores_drafts(seeded):
    un = Proposal.objects.get(slug=UN)
    draft = ProposalFactory(is_published=False)
    LayerFactory(proposal=draft)
    PositionFactory(proposal=un, actor=Actor.objects.get(slug="russia"), stance="opposes")
    EventFactory(proposals=[un], title="Talks in Geneva")
    status, lines = audit()
    assert status == 1
    assert [line.split("\t")[:2] for line in lines] == [["position", UN], ["event", UN]]
    assert lines[1].endswith("Talks in Geneva")
    assert all(draft.slug not in line for line in lines)


# The source page ----------------------------------------------------------------------------


def test_the_source_page_lists_every_claim_it_supports_by_proposal(client, seeded):
    source = Source.objects.get()
    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert "<h1>Untitled report</h1>" in html
    assert "dpa, carried by the News Agency of Nigeria (NAN)" in html
    assert "News agency" in html and "week of 25 March 2025" in html
    assert f"{source.citations.count()} citations" in html
    for title in [
        "Coalition of the willing: multi-layered security concept",
        "UN peacekeeping mission to monitor a possible future ceasefire",
    ]:
        assert f">{title}</a></h3>" in html
    assert "The Naval units layer" in html
    assert "The position of France (proposes, 25 March 2025)" in html
    assert "The event of 27 March 2025: Summit of the coalition of the willing in Paris" in html
    assert f'href="/proposals/{COALITION}/#layer-naval"' in html
    # The report's full text is kept for checking, not republished.
    assert "Currently, the scenario remains hypothetical" not in html


def test_the_source_page_hides_drafts_from_readers(analyst_client, seeded):
    source = Source.objects.get()
    Proposal.objects.filter(slug=UN).update(is_published=False)
    assert UN not in Client().get(f"/sources/{source.pk}/").content.decode()
    assert UN in analyst_client.get(f"/sources/{source.pk}/").content.decode()


def test_the_source_page_issues_the_same_queries_however_many_claims(client, db):
    source = SourceFactory()

    def add(n: int) -> None:
        for _ in range(n):
            proposal = ProposalFactory()
            layer = LayerFactory(proposal=proposal)
            position = PositionFactory(proposal=proposal)
            event = EventFactory(proposals=[proposal])
            for claim in [
                {"proposal": proposal},
                {"layer": layer},
                {"position": position},
                {"event": event},
            ]:
                CitationFactory(source=source, **claim)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/sources/{source.pk}/").status_code == 200
        return len(queries)

    add(1)
    few = count()
    add(8)
    assert count() == few


def test_an_unknown_source_is_a_404(client, db):
    assert client.get("/sources/999999/").status_code == 404
    assert client.post(f"/sources/{SourceFactory().pk}/").status_code == 405


# No paraphrase in quotation marks --------------------------------------------------------------


class Text(HTMLParser):
    """The text a reader sees: no markup, no attribute values, no script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "title"}:
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "title"}:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"")


def public_pages() -> list[str]:
    pages = ["/", "/proposals/", "/actors/", "/about/", f"/compare/?p={UN}&p={COALITION}"]
    for proposal in Proposal.objects.published():
        pages += [proposal.get_absolute_url(), f"{proposal.get_absolute_url()}history/"]
    pages += [f"/actors/{slug}/" for slug in Actor.objects.values_list("slug", flat=True)]
    pages += [f"/sources/{pk}/" for pk in Source.objects.values_list("pk", flat=True)]
    return pages


def test_every_words_a_public_page_shows_in_quotation_marks_are_in_a_source(client, seeded):
    """A quotation is a stored source's exact words (or the seed report's); anything else in
    quotation marks would present our words as someone's."""
    texts = [
        records.ARTICLE.read_text(encoding="utf-8"),
        *Source.objects.values_list("text", flat=True),
    ]
    checked = 0
    for url in public_pages():
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Text()
        parser.feed(response.content.decode())
        text = re.sub(r"\s+", " ", "".join(parser.parts))
        for match in QUOTED.finditer(text):
            # A long quote may be cut short with an ellipsis; what is shown must still match.
            words = (match.group(1) or match.group(2)).strip(" ,.…")
            assert any(verbatim.find(words, source) for source in texts), (url, words)
            checked += 1
    assert checked >= 20  # the seed's quotes are shown, and were checked
