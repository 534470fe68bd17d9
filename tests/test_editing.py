"""Every HTMX editing view: the full page, the fragment, a valid save, invalid input, outsiders."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from proposals.models import (
    Actor,
    Citation,
    Commitment,
    Event,
    Layer,
    LayerKind,
    Position,
    Precondition,
    Proposal,
    ProposalRelation,
    Source,
    StatusChange,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def un() -> Proposal:
    return Proposal.objects.get(slug=UN)


def layer(kind: str = "naval") -> Layer:
    return Layer.objects.get(proposal__slug=COALITION, kind__slug=kind)


def precondition(slug: str = "russian-consent") -> Precondition:
    return Precondition.objects.get(proposal__slug=UN, slug=slug)


@dataclass
class Case:
    name: str
    url: Callable[[], str]
    valid: Callable[[], dict]
    invalid: Callable[[], dict]
    saved: Callable[[], bool]  # does the data hold the valid save?
    shows: str  # text the fragment or page shows after the save
    has_form_page: bool = True
    form_text: str = ""
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "proposal-create",
        lambda: "/proposals/new/",
        lambda: {"title": "OSCE observer mission", "status": "floated", "summary": "Observers."},
        lambda: {"title": "", "status": "floated"},
        lambda: Proposal.objects.filter(slug="osce-observer-mission", is_published=False).exists(),
        "",
        form_text="New proposal",
    ),
    Case(
        "proposal-edit",
        lambda: f"/proposals/{UN}/edit/",
        lambda: {
            "title": "UN peacekeeping mission (revised)",
            "status": "under_discussion",
            "summary": "Revised.",
            "first_reported": "2025-03-25",
            "status_changed_on": "2025-04-02",
            "mandate_source": "unsc_chapter_vii",
            "armed": "true",
            "version": un().version,
        },
        lambda: {"title": "", "status": "imagined", "version": un().version},
        lambda: (
            un().title == "UN peacekeeping mission (revised)"
            and un().mandate_source == "unsc_chapter_vii"
            and un().armed is True
            and un().status == "under_discussion"
            and un()
            .status_changes.filter(precondition=None, changed_on="2025-04-02")
            .values_list("status", flat=True)
            .get()
            == "under_discussion"
        ),
        "UN peacekeeping mission (revised)",
        form_text="Edit the proposal",
    ),
    Case(
        "proposal-publish",
        lambda: f"/proposals/{UN}/publish/",
        lambda: {"version": un().version},
        lambda: {"version": "not a number"},
        lambda: un().is_published and un().version == 2,
        "UN peacekeeping mission to monitor a possible future ceasefire",
        has_form_page=False,
    ),
    Case(
        "layer-create",
        lambda: f"/proposals/{UN}/layers/new/",
        lambda: {
            "kind": LayerKind.objects.get(slug="air").pk,
            "description": "Drones over the line.",
            "area": "The contact line",
            "assets": "Drones",
        },
        lambda: {"kind": LayerKind.objects.get(slug="un_force").pk, "description": ""},
        lambda: Layer.objects.filter(
            proposal__slug=UN, kind__slug="air", area="The contact line"
        ).exists(),
        "Drones over the line.",
        form_text="Add a layer",
    ),
    Case(
        "layer-edit",
        lambda: f"/proposals/{COALITION}/layers/naval/edit/",
        lambda: {
            "description": "Frigates escort grain ships.",
            "area": "Black Sea and Sea of Azov",
            "assets": "Frigates\nMinesweepers",
            "version": layer().version,
        },
        lambda: {"description": "", "area": "Somewhere", "version": layer().version},
        lambda: layer().area == "Black Sea and Sea of Azov" and layer().version == 2,
        "Black Sea and Sea of Azov",
        form_text="Edit the Naval units layer",
    ),
    Case(
        "layer-delete",
        lambda: f"/proposals/{COALITION}/layers/naval/delete/",
        lambda: {"version": layer().version},
        lambda: {"version": ""},
        lambda: not Layer.objects.filter(proposal__slug=COALITION, kind__slug="naval").exists(),
        "",
        form_text="Delete the Naval units layer?",
    ),
    Case(
        "precondition-create",
        lambda: f"/proposals/{UN}/preconditions/new/",
        lambda: {"description": "Troop contributors are found.", "status": "in_progress"},
        lambda: {"description": "Duplicate", "slug": "russian-consent", "status": "unmet"},
        lambda: Precondition.objects.filter(
            proposal__slug=UN, slug="troop-contributors-are-found", status="in_progress"
        ).exists(),
        "Troop contributors are found.",
        form_text="Add a precondition",
    ),
    Case(
        "precondition-edit",
        lambda: f"/proposals/{UN}/preconditions/russian-consent/edit/",
        lambda: {
            "description": "Russia consents to UN peacekeepers.",
            "status": "unmet",
            "responsible": Actor.objects.get(slug="russia").pk,
            "version": precondition().version,
        },
        lambda: {
            "description": "Russia consents.",
            "status": "unmet",
            "depends_on": precondition().pk,  # itself: not offered, so refused
            "version": precondition().version,
        },
        lambda: precondition().description == "Russia consents to UN peacekeepers.",
        "Russia consents to UN peacekeepers.",
        form_text="Edit the precondition",
    ),
    Case(
        "precondition-status",
        lambda: f"/proposals/{UN}/preconditions/russian-consent/status/",
        lambda: {"status": "met", "version": precondition().version},
        lambda: {"status": "done", "version": precondition().version},
        lambda: precondition().status == "met",
        "1 of 3 met",
        has_form_page=False,
    ),
    Case(
        "precondition-delete",
        lambda: f"/proposals/{UN}/preconditions/russian-consent/delete/",
        lambda: {"version": precondition().version},
        lambda: {"version": "x"},
        lambda: not Precondition.objects.filter(slug="russian-consent").exists(),
        "",
        form_text="Delete this precondition?",
    ),
    Case(
        "citation-create",
        lambda: f"/proposals/{COALITION}/citations/new/?on=layer:naval",
        lambda: {
            "source": Source.objects.get().pk,
            "kind": "quote",
            "confidence": "reported",
            "text": "Naval units may also be deployed",
            "speaker": "dpa",
        },
        lambda: {
            "kind": "quote",
            "confidence": "reported",
            "text": "Words",
            "new_source_url": "not a url",
        },
        lambda: Citation.objects.filter(layer=layer(), text__startswith="Naval units may").exists(),
        "“Naval units may also be deployed”",
        form_text="Cite a source for the Naval units layer",
    ),
    Case(
        "event-create",
        lambda: f"/proposals/{UN}/events/new/",
        lambda: {
            "date": "2025-04-01",
            "title": "Security Council consultations",
            "place": "New York",
        },
        lambda: {"date": "the first of April", "title": ""},
        lambda: un().events.filter(title="Security Council consultations").exists(),
        "Security Council consultations",
        form_text="Add an event to the timeline",
    ),
    Case(
        "position-create",
        lambda: f"/proposals/{COALITION}/positions/new/",
        lambda: {
            "actor": Actor.objects.get(slug="russia").pk,
            "stance": "opposes",
            "stated_on": "2025-04-01",
            "statement": "Russia rejected any European troops.",
        },
        lambda: {"actor": "", "stance": "adores", "stated_on": "someday"},
        lambda: Position.objects.filter(actor__slug="russia", stance="opposes").exists(),
        "Russia rejected any European troops.",
        form_text="Record a position",
    ),
    Case(
        "position-edit",
        lambda: f"/proposals/{COALITION}/positions/{france_position().pk}/edit/",
        lambda: {
            "actor": france_position().actor_id,
            "stance": "supports",
            "stated_on": "2025-03-25",
            "statement": "Working on the plan.",
            "version": france_position().version,
        },
        lambda: {"actor": "", "stance": "", "stated_on": "", "version": france_position().version},
        lambda: france_position().stance == "supports",
        "Working on the plan.",
        form_text="Edit the position of France (2025-03-25)",
    ),
    Case(
        "position-delete",
        lambda: f"/proposals/{COALITION}/positions/{france_position().pk}/delete/",
        lambda: {"version": france_position().version},
        lambda: {"version": "x"},
        lambda: not Position.objects.filter(actor__slug="france").exists(),
        "United Kingdom",
        form_text="Delete the position of France (2025-03-25)?",
    ),
    Case(
        "commitment-create",
        lambda: f"/proposals/{COALITION}/layers/naval/commitments/new/",
        lambda: {
            "layer": layer().pk,
            "actor": Actor.objects.get(slug="france").pk,
            "phase": "pledged",
            "quantity": "2",
            "unit": "ships",
            "stated_on": "2025-04-01",
        },
        lambda: {"layer": layer().pk, "phase": "promised", "quantity": "two ships"},
        lambda: Commitment.objects.filter(layer=layer(), actor__slug="france").exists(),
        "2 ships pledged",
        form_text="Record a commitment",
    ),
    Case(
        "status-change-edit",
        lambda: f"/proposals/{UN}/status-changes/{consent_change().pk}/edit/",
        lambda: {"status": "met", "changed_on": "2025-03-25", "version": consent_change().version},
        lambda: {"status": "floated", "changed_on": "never", "version": consent_change().version},
        lambda: precondition().status == "met",
        'became <strong class="status-change status-change--met">Met</strong>',
        form_text="Correct the status change of 2025-03-25",
    ),
    Case(
        "relation-create",
        lambda: f"/proposals/{COALITION}/relations/new/",
        lambda: {
            "kind": "same_idea_as",
            "other": un().pk,
            "note": "The coalition’s UN-force layer is the UN mission.",
        },
        lambda: {"kind": "rivals", "other": "", "note": "A note kept on a 422"},
        lambda: ProposalRelation.objects.filter(kind="same_idea_as").exists(),
        "The coalition’s UN-force layer is the UN mission.",
        form_text="Relate another proposal",
    ),
]
IDS = [case.name for case in CASES]


def france_position() -> Position:
    return Position.objects.get(proposal__slug=COALITION, actor__slug="france")


def consent_change() -> StatusChange:
    return StatusChange.objects.get(precondition__slug="russian-consent")


@pytest.fixture
def draft_un(seeded):
    Proposal.objects.filter(slug=UN).update(is_published=False)


@pytest.mark.parametrize("case", [c for c in CASES if c.has_form_page], ids=lambda c: c.name)
def test_form_is_a_full_page_without_htmx(analyst_client, draft_un, case):
    response = analyst_client.get(case.url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and case.form_text in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "hx-post" not in html.split('class="edit-block')[1]  # a plain form: post/redirect/get


@pytest.mark.parametrize("case", [c for c in CASES if c.has_form_page], ids=lambda c: c.name)
def test_form_is_a_fragment_for_htmx(analyst_client, draft_un, case):
    response = analyst_client.get(case.url(), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and case.form_text in html
    assert "hx-post" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_valid_save_without_htmx_redirects_to_the_proposal(analyst_client, draft_un, case):
    response = analyst_client.post(case.url(), case.valid())
    assert response.status_code == 302
    assert response["Location"].startswith("/proposals/")
    assert case.saved()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_valid_save_with_htmx_answers_with_the_updated_block(analyst_client, draft_un, case):
    response = analyst_client.post(case.url(), case.valid(), **HTMX)
    assert case.saved()
    if case.name == "proposal-create":
        assert response.status_code == 204
        assert response["HX-Redirect"] == "/proposals/osce-observer-mission/"
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert case.shows in html
    assert 'id="toc" aria-label="On this page" hx-swap-oob="true"' in html


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_invalid_input_returns_422_with_the_input_kept(analyst_client, draft_un, case):
    before = snapshot()
    data = case.invalid()
    response = analyst_client.post(case.url(), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error"' in html or 'class="alert alert--error"' in html
    for value in data.values():
        if isinstance(value, str) and value and len(value) > 3 and not value.isdigit():
            assert value in html, f"the input {value!r} was not kept"
    assert snapshot() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_anonymous_readers_are_sent_to_sign_in_and_cannot_post(client, draft_un, case):
    before = snapshot()
    if case.has_form_page:
        response = client.get(case.url())
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post(case.url(), case.valid()).status_code == 403
    assert client.post(case.url(), case.valid(), **HTMX).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_signed_in_non_analysts_are_refused(outsider_client, draft_un, case):
    before = snapshot()
    if case.has_form_page:
        assert outsider_client.get(case.url()).status_code == 403
    assert outsider_client.post(case.url(), case.valid()).status_code == 403
    assert snapshot() == before


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Proposal, Layer, Precondition, Citation, Event, Source)
    ]


def test_analysts_see_edit_controls_and_readers_do_not(client, analyst_client, seeded):
    html = analyst_client.get(f"/proposals/{COALITION}/").content.decode()
    assert "/layers/naval/edit/" in html and "+ Add a precondition" in html
    client.logout()
    html = client.get(f"/proposals/{COALITION}/").content.decode()
    assert "/layers/naval/edit/" not in html and "Cite a source" not in html


def test_drafts_are_hidden_from_readers_and_marked_for_analysts(client, analyst_client, draft_un):
    html = analyst_client.get("/proposals/").content.decode()
    assert "UN peacekeeping mission" in html and "Draft" in html
    assert analyst_client.get(f"/proposals/{UN}/").status_code == 200
    assert "UN peacekeeping mission" in analyst_client.get("/").content.decode()
    client.logout()
    for url in ["/", "/proposals/", "/proposals/?status=floated"]:
        assert "UN peacekeeping mission" not in client.get(url).content.decode()
    assert client.get(f"/proposals/{UN}/").status_code == 404
    assert client.get(f"/proposals/{UN}/history/").status_code == 404


def test_a_new_proposal_starts_as_a_draft_and_publishing_shows_it_to_readers(
    client, analyst_client, seeded
):
    analyst_client.post("/proposals/new/", {"title": "Joint Commission", "status": "floated"})
    draft = Proposal.objects.get(slug="joint-commission")
    assert not draft.is_published
    analyst_client.post("/proposals/joint-commission/publish/", {"version": draft.version})
    client.logout()
    assert "Joint Commission" in client.get("/proposals/").content.decode()


def test_a_new_proposal_cannot_take_a_used_or_reserved_address(analyst_client, seeded):
    response = analyst_client.post(
        "/proposals/new/", {"title": "X", "slug": UN, "status": "floated"}
    )
    assert response.status_code == 422
    assert "already lives at" in response.content.decode()
    response = analyst_client.post(
        "/proposals/new/", {"title": "X", "slug": "new", "status": "floated"}
    )
    assert response.status_code == 422


def test_a_layer_of_a_kind_the_proposal_has_is_not_offered(analyst_client, seeded):
    html = analyst_client.get(f"/proposals/{UN}/layers/new/", **HTMX).content.decode()
    assert ">Air monitoring<" in html and ">UN peacekeeping force<" not in html


def test_a_citation_can_name_a_new_source(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{UN}/citations/new/?on=precondition:ceasefire-agreement",
        {
            "kind": "quote",
            "confidence": "reported",
            "text": "a ceasefire must come first",
            "new_source_publisher": "Reuters",
            "new_source_title": "Diplomats on a ceasefire",
            "new_source_url": "https://example.org/ceasefire",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#precondition-ceasefire-agreement"
    citation = Citation.objects.get(text="a ceasefire must come first")
    assert citation.precondition.slug == "ceasefire-agreement"
    assert citation.source.publisher == "Reuters"
    assert (
        'id="sources" aria-labelledby="sources-heading" hx-swap-oob="true"'
        in response.content.decode()
    )


def test_removing_a_citation_and_an_event(analyst_client, seeded):
    citation = Citation.objects.get(text="no such mission is yet planned", proposal__slug=UN)
    response = analyst_client.post(
        f"/proposals/{UN}/citations/{citation.pk}/delete/", {"version": citation.version}, **HTMX
    )
    assert response.status_code == 200
    assert not Citation.objects.filter(pk=citation.pk).exists()
    event = un().events.get()
    analyst_client.post(f"/proposals/{UN}/events/{event.pk}/delete/")
    assert not Event.objects.filter(pk=event.pk).exists()


def test_a_citation_of_another_proposal_cannot_be_removed_through_this_one(analyst_client, seeded):
    citation = Citation.objects.get(text="no such mission is yet planned", proposal__slug=UN)
    response = analyst_client.post(f"/proposals/{COALITION}/citations/{citation.pk}/delete/")
    assert response.status_code == 404
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_unknown_records_give_404_not_500(analyst_client, seeded):
    for url in [
        "/proposals/nope/edit/",
        f"/proposals/{UN}/layers/naval/edit/",
        f"/proposals/{UN}/preconditions/nope/edit/",
        f"/proposals/{UN}/citations/new/?on=layer:submarine",
        f"/proposals/{UN}/events/999999/delete/",
    ]:
        assert analyst_client.get(url).status_code == 404, url


def test_ids_no_row_can_have_are_refused_not_a_crash(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{COALITION}/layers/naval/edit/",
        {"description": "x", "contributors": ["-1", "abc"], "version": 1},
        **HTMX,
    )
    assert response.status_code == 422


def test_a_missing_version_asks_to_reload(analyst_client, seeded):
    response = analyst_client.post(f"/proposals/{UN}/publish/", {}, **HTMX)
    assert response.status_code == 422
    assert "out of date or incomplete: reload the page" in response.content.decode()


@pytest.mark.parametrize("on", ["foo:bar", "layer:", "precondition:a b", "layer:%00"])
def test_an_unknown_citation_target_is_a_bad_request(analyst_client, seeded, on):
    response = analyst_client.get(f"/proposals/{UN}/citations/new/?on={on}")
    assert response.status_code == 400


def test_page_ids_stay_unique_whatever_the_slugs(analyst_client, seeded):
    import re
    from collections import Counter

    for slug in ["add", "ceasefire-agreement-cite", "form"]:
        response = analyst_client.post(
            f"/proposals/{UN}/preconditions/new/",
            {"description": f"Slug {slug}", "slug": slug, "status": "unmet"},
        )
        assert response.status_code == 302
    html = analyst_client.get(f"/proposals/{UN}/").content.decode()
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []


def test_forms_open_side_by_side_have_distinct_field_ids(analyst_client, seeded):
    layer_form = analyst_client.get(f"/proposals/{COALITION}/layers/naval/edit/", **HTMX)
    precondition_form = analyst_client.get(
        f"/proposals/{UN}/preconditions/russian-consent/edit/", **HTMX
    )
    assert 'id="f-layer-naval-description"' in layer_form.content.decode()
    assert 'id="f-precondition-russian-consent-description"' in precondition_form.content.decode()


def test_deleting_a_layer_records_the_change_to_its_preconditions(analyst_client, seeded):
    air = layer("air")
    precondition = Precondition.objects.create(
        proposal=air.proposal, slug="skies", description="Airspace agreed.", layer=air
    )
    analyst_client.post(f"/proposals/{COALITION}/layers/air/delete/", {"version": air.version})
    precondition.refresh_from_db()
    assert precondition.layer is None
    assert precondition.version == 2
    assert precondition.history.count() == 2


def test_a_new_event_is_on_the_timeline_in_the_same_transaction(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{UN}/events/new/", {"date": "2025-04-01", "title": "Talks"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#timeline"
    assert Event.objects.get(title="Talks").proposals.get().slug == UN


def test_an_event_shared_by_two_proposals_leaves_only_the_timeline_it_is_removed_from(
    analyst_client, seeded
):
    event = un().events.get()
    coalition = Proposal.objects.get(slug=COALITION)
    event.proposals.add(coalition)
    response = analyst_client.post(f"/proposals/{UN}/events/{event.pk}/delete/", **HTMX)
    assert response.status_code == 200
    assert list(Event.objects.get(pk=event.pk).proposals.all()) == [coalition]
    assert event.title not in response.content.decode()
    analyst_client.post(f"/proposals/{COALITION}/events/{event.pk}/delete/")
    assert not Event.objects.filter(pk=event.pk).exists()
