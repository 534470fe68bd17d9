"""The seed says what its report says, no more: quotes verbatim, paraphrases marked, hedges kept."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from proposals import verbatim
from proposals.models import (
    Actor,
    Citation,
    Event,
    Layer,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    Source,
    StatusChange,
)
from proposals.seed import records

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"
MODELS = [
    Actor,
    Proposal,
    Layer,
    Precondition,
    Source,
    Citation,
    Event,
    Position,
    StatusChange,
    ProposalRelation,
]
ARTICLE = records.ARTICLE.read_text(encoding="utf-8")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "article.txt"


def snapshot():
    return {
        model.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in MODELS
    }


def seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed", stdout=out)
    return out.getvalue()


@pytest.mark.skipif(not SHARED.exists(), reason="the shared seed folder is not beside the checkout")
def test_the_report_is_kept_byte_for_byte():
    assert records.ARTICLE.read_bytes() == SHARED.read_bytes()


def test_seed_creates_the_two_proposals_of_the_report(seeded):
    un = Proposal.objects.get(slug=UN)
    coalition = Proposal.objects.get(slug=COALITION)
    assert un.status == "floated"
    assert coalition.status == "under_discussion"
    assert set(un.preconditions.values_list("slug", "status")) == {
        ("ceasefire-agreement", "unmet"),
        ("security-council-mandate", "unmet"),
        ("russian-consent", "unmet"),
    }
    # The report names both as needed first; it does not order them.
    assert not un.preconditions.filter(depends_on__isnull=False).exists()
    assert un.preconditions.get(slug="security-council-mandate").responsible.name == (
        "UN Security Council"
    )
    assert un.preconditions.get(slug="russian-consent").responsible.name == "Russia"
    assert list(coalition.layers.values_list("kind__slug", flat=True)) == [
        "air",
        "naval",
        "un_force",
        "border_training",
        "us_guarantor",
    ]
    assert coalition.layers.get(kind__slug="naval").area == "Black Sea"
    # France and the United Kingdom are working on the plan: their own stance, cited.
    assert set(coalition.proponents.values_list("name", flat=True)) == {"France", "United Kingdom"}
    for position in coalition.positions.all():
        assert position.stance == "proposes"
        assert position.citations.get().text == (
            "France and Britain, along with other Ukraine-supporting countries, are working on a "
            "security guarantees plan"
        )
    # Roles the plan gives (European forces, the US) are nobody's commitment; the report names no
    # provider for any layer, and the UN does not back its own mission.
    assert not Layer.contributors.through.objects.exists()
    assert not un.proponents.exists() and not un.positions.exists()


def test_every_quote_of_the_seed_is_the_reports_exact_words(seeded):
    quotes = Citation.objects.filter(kind="quote")
    assert quotes.count() >= 10
    for citation in quotes:
        assert citation.text in ARTICLE, citation.text


def test_paraphrases_are_marked_and_say_who_said_it(seeded):
    paraphrases = list(Citation.objects.filter(kind="paraphrase"))
    assert paraphrases
    for citation in paraphrases:
        assert citation.speaker.startswith("Jean-Pierre Lacroix")
        assert citation.said_on == records.TUESDAY
    # What the report gives as Lacroix's reported speech is never a quote of Lacroix.
    for citation in Citation.objects.filter(kind="quote", speaker__contains="Lacroix"):
        assert f"“{citation.text}" in ARTICLE or f"“{citation.text},”" in ARTICLE


def test_the_hedges_stay_hedges(seeded):
    layers = {layer.kind.slug: layer for layer in Layer.objects.filter(proposal__slug=COALITION)}
    assert "may be deployed" in layers["naval"].description
    assert "could be mobilised" in layers["un_force"].description
    assert "might be stationed" in layers["border_training"].description
    assert "would serve" in layers["us_guarantor"].description
    assert "possible demilitarised zone along the Russia–Ukraine border" in (
        layers["air"].description
    )
    assert {c.hedge for c in Citation.objects.filter(layer__in=layers.values())} >= {
        "may",
        "could",
        "might",
        "would",
    }


def test_nothing_the_report_does_not_say(seeded):
    everything = " ".join(
        str(value)
        for model in MODELS
        for row in model.objects.values()
        for value in row.values()
        if isinstance(value, str) and model is not Source
    )
    for claim in [
        "led by France",
        "31 countries",
        "20 March",
        "by itself",
        "Peace Operations",
        "announced",
    ]:
        assert claim not in everything, claim


def test_the_source_is_described_as_it_is(seeded):
    source = Source.objects.get()
    assert source.title == ""  # no invented headline
    assert source.publisher == "dpa, carried by the News Agency of Nigeria (NAN)"
    assert source.source_type == "wire"
    assert source.published_on is None and "week of 25 March 2025" in source.date_note
    assert source.text == ARTICLE


def test_the_events_say_only_what_the_report_says_and_cite_it(seeded):
    events = list(Event.objects.values_list("date", "place"))
    assert events == [(dt.date(2025, 3, 25), "Brussels"), (dt.date(2025, 3, 27), "Paris")]
    summit = Event.objects.get(place="Paris")
    assert list(summit.proposals.values_list("slug", flat=True)) == [COALITION]
    assert "Zelensky was invited" in summit.description
    for event in Event.objects.all():
        assert event.citations.exists()


def test_audit_sources_passes_on_the_seed(seeded, capsys):
    call_command("audit_sources")
    assert "Every published claim cites a source." in capsys.readouterr().out


def test_running_seed_twice_changes_nothing(seeded):
    before = snapshot()
    assert seed() == "Seed already loaded: nothing to do.\n"
    assert snapshot() == before


def test_seed_keeps_what_analysts_changed_or_deleted_since(seeded):
    Proposal.objects.filter(slug=UN).update(status="shelved")
    Layer.objects.filter(kind__slug="naval").delete()
    seed()
    assert Proposal.objects.get(slug=UN).status == "shelved"
    assert not Layer.objects.filter(kind__slug="naval").exists()


def test_seed_does_not_bring_back_a_deleted_seed_proposal(seeded):
    Proposal.objects.get(slug=UN).delete()
    seed()
    assert not Proposal.objects.filter(slug=UN).exists()


def test_seed_corrects_an_earlier_seed_unless_an_analyst_changed_it(seeded, analyst):
    """What earlier seeds recorded (an invented headline, a quote with added words, the summit's
    attendance) is put right; what an analyst has saved since is left, and named."""
    source = Source.objects.get()
    Source.objects.filter(pk=source.pk).update(title="UN awaits talks on a peacekeeping mission")
    summit = Event.objects.get(place="Paris")
    Event.objects.filter(pk=summit.pk).update(
        title="Coalition of the willing summit", description="31 countries took part."
    )
    un = Proposal.objects.get(slug=UN)
    Citation.objects.filter(proposal=un, kind="paraphrase").update(
        kind="quote", text="monitoring a ceasefire would not by itself guarantee security"
    )
    naval = Layer.objects.get(kind__slug="naval")
    Layer.objects.filter(pk=naval.pk).update(description="Naval units could oversee navigation.")
    air = Layer.objects.get(kind__slug="air")
    air.description = "An analyst's own words."
    air._history_user = analyst
    air.save()

    out = seed()

    assert "Corrected 4 records of an earlier seed" in out
    assert (
        "Left unchanged, as an analyst has edited it since the seed: the air layer of "
        "/proposals/coalition-of-the-willing-security-concept/."
    ) in out
    assert Source.objects.get().title == ""
    summit.refresh_from_db()
    assert summit.title == "Summit of the coalition of the willing in Paris"
    assert "31 countries" not in summit.description
    assert not Citation.objects.filter(text__contains="by itself").exists()
    assert Citation.objects.filter(proposal=un, kind="paraphrase").count() == 1
    naval.refresh_from_db()
    assert "may be deployed" in naval.description
    air.refresh_from_db()
    assert air.description == "An analyst's own words."
    assert seed().splitlines() == [
        "Left unchanged, as an analyst has edited it since the seed: the air layer of "
        "/proposals/coalition-of-the-willing-security-concept/.",
        "Seed already loaded: nothing to do.",
    ]


def test_the_two_proposals_are_shown_as_one_idea_recorded_twice(client, seeded):
    relation = ProposalRelation.objects.get()
    assert (relation.proposal.slug, relation.kind, relation.other.slug) == (
        UN,
        "same_idea_as",
        COALITION,
    )
    assert relation.note.startswith("Our reading:")
    assert relation.citations.count() == 2
    un = client.get(f"/proposals/{UN}/").content.decode()
    assert "This proposal is the same idea as" in un
    coalition = client.get(f"/proposals/{COALITION}/").content.decode()
    assert "is the same idea as this proposal" in coalition
    # Removed by an analyst, it is not brought back.
    relation.delete()
    seed()
    assert not ProposalRelation.objects.exists()


def test_the_seed_quotes_match_the_report_through_the_verbatim_check(seeded):
    """The check that analysts' quotes pass (proposals.verbatim) finds each seed quote as is."""
    for citation in Citation.objects.filter(kind="quote"):
        assert verbatim.find(citation.text, ARTICLE) == citation.text


def test_the_pages_never_show_the_publisher_as_its_own_speaker(client, seeded):
    for slug in (UN, COALITION):
        html = client.get(f"/proposals/{slug}/").content.decode()
        assert not re.search(r"dpa[^<]*, in dpa", html)
        assert "First in our sources" in html
