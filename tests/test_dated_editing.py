"""Analysts record positions, commitments, status changes and relations, with every rule of the
other editable blocks: full pages without JavaScript, 422 with the input kept, 409 when stale."""

import pytest
from django.test import Client

from proposals.models import Actor, Commitment, Position, Proposal, ProposalRelation, StatusChange

from .conftest import HTMX
from .factories import CommitmentFactory

pytestmark = pytest.mark.django_db

UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def actor(slug: str) -> Actor:
    return Actor.objects.get(slug=slug)


def coalition() -> Proposal:
    return Proposal.objects.get(slug=COALITION)


def france_position() -> Position:
    return coalition().positions.get(actor__slug="france")


@pytest.fixture
def commitment(seeded):
    return CommitmentFactory(
        layer=coalition().layers.get(kind__slug="naval"),
        actor=actor("france"),
        quantity=2,
        unit="ships",
    )


def test_recording_a_position_changes_who_backs_the_proposal(analyst_client, seeded):
    url = f"/proposals/{COALITION}/positions/new/"
    page = analyst_client.get(url)
    assert page.status_code == 200 and "Record a position" in page.content.decode()
    response = analyst_client.post(
        url,
        {
            "actor": actor("france").pk,
            "stance": "conditional",
            "stated_on": "2025-04-10",
            "statement": "France could contribute if the US backs it.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{COALITION}/#positions"
    assert set(coalition().proponents.values_list("slug", flat=True)) == {"united-kingdom"}
    latest = coalition().positions.filter(actor__slug="france").latest("stated_on")
    assert latest.stance == "conditional"
    assert latest.history.get().history_user.get_full_name() == "Alice Analyst"


def test_a_second_position_of_one_actor_on_one_day_is_refused(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{COALITION}/positions/new/",
        {"actor": actor("france").pk, "stance": "opposes", "stated_on": "2025-03-25"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "has a position on that day already" in response.content.decode()
    assert france_position().stance == "proposes"


def test_a_position_cannot_be_dated_in_the_future(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{COALITION}/positions/new/",
        {"actor": actor("russia").pk, "stance": "opposes", "stated_on": "2999-01-01"},
    )
    assert response.status_code == 422
    assert "cannot be dated in the future" in response.content.decode()


def test_editing_a_position_is_version_checked(analyst_client, bob, seeded):
    position = france_position()
    url = f"/proposals/{COALITION}/positions/{position.pk}/edit/"
    data = {"actor": position.actor_id, "stance": "supports", "stated_on": "2025-03-25"}
    other = Client()
    other.force_login(bob)
    assert other.post(url, data | {"version": position.version}).status_code == 302
    response = analyst_client.post(url, data | {"stance": "opposes", "version": position.version})
    assert response.status_code == 409
    assert "Bob Editor saved a change" in response.content.decode()
    assert france_position().stance == "supports"


def test_deleting_a_position_restores_the_earlier_picture(analyst_client, seeded):
    position = france_position()
    response = analyst_client.post(
        f"/proposals/{COALITION}/positions/{position.pk}/delete/", {"version": position.version}
    )
    assert response.status_code == 302
    assert "france" not in coalition().proponents.values_list("slug", flat=True)


def test_a_commitment_is_recorded_for_the_layer_it_was_opened_from(analyst_client, seeded):
    url = f"/proposals/{COALITION}/layers/naval/commitments/new/"
    page = analyst_client.get(url).content.decode()
    naval = coalition().layers.get(kind__slug="naval")
    assert f'<option value="{naval.pk}" selected>Naval units</option>' in page
    response = analyst_client.post(
        url,
        {
            "layer": naval.pk,
            "actor": actor("united-kingdom").pk,
            "phase": "pledged",
            "quantity": "3",
            "unit": "ships",
            "stated_on": "2025-04-01",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{COALITION}/#layer-naval"
    assert Commitment.objects.get(layer=naval).amount == "3 ships"


def test_a_commitment_names_only_this_proposals_layers(analyst_client, seeded):
    un_layer = Proposal.objects.get(slug=UN).layers.get()
    response = analyst_client.post(
        f"/proposals/{COALITION}/layers/naval/commitments/new/",
        {
            "layer": un_layer.pk,
            "actor": actor("france").pk,
            "phase": "pledged",
            "unit": "troops",
            "stated_on": "2025-04-01",
        },
    )
    assert response.status_code == 422
    assert not Commitment.objects.exists()


def test_a_commitment_is_edited_and_deleted(analyst_client, commitment):
    base = f"/proposals/{COALITION}/commitments/{commitment.pk}"
    data = {
        "layer": commitment.layer_id,
        "actor": commitment.actor_id,
        "phase": "deployed",
        "quantity": "2",
        "unit": "ships",
        "stated_on": "2025-04-01",
        "version": commitment.version,
    }
    assert analyst_client.post(f"{base}/edit/", data).status_code == 302
    commitment.refresh_from_db()
    assert commitment.phase == "deployed"
    assert (
        analyst_client.post(f"{base}/delete/", {"version": commitment.version}).status_code == 302
    )
    assert not Commitment.objects.exists()


def test_correcting_a_status_change_corrects_the_status_in_force(analyst_client, seeded):
    change = StatusChange.objects.get(proposal__slug=UN, precondition__slug="russian-consent")
    url = f"/proposals/{UN}/status-changes/{change.pk}/edit/"
    page = analyst_client.get(url).content.decode()
    assert '<option value="met">Met</option>' in page  # a precondition's statuses
    response = analyst_client.post(
        url, {"status": "met", "changed_on": "2025-03-25", "version": change.version}
    )
    assert response.status_code == 302
    assert Proposal.objects.get(slug=UN).preconditions.get(slug="russian-consent").status == "met"
    response = analyst_client.post(
        url, {"status": "agreed", "changed_on": "2025-03-25", "version": change.version + 1}
    )
    assert response.status_code == 422  # not a precondition status


def test_a_relation_is_recorded_once(analyst_client, seeded):
    url = f"/proposals/{COALITION}/relations/new/"
    data = {"kind": "same_idea_as", "other": Proposal.objects.get(slug=UN).pk, "note": "Both."}
    assert analyst_client.post(url, data).status_code == 302
    assert analyst_client.post(url, data).status_code == 422
    relation = ProposalRelation.objects.get(proposal__slug=COALITION)
    assert relation.get_kind_display() == "is the same idea as"
    itself = data | {"other": coalition().pk}
    assert analyst_client.post(url, itself).status_code == 422


@pytest.mark.parametrize(
    "path",
    ["positions/new/", "relations/new/", "layers/naval/commitments/new/"],
)
def test_outsiders_cannot_open_or_post_the_forms(outsider_client, seeded, path):
    url = f"/proposals/{COALITION}/{path}"
    assert outsider_client.get(url).status_code == 403
    assert outsider_client.post(url, {}).status_code == 403
    anonymous = Client()
    assert anonymous.get(url).status_code == 302  # to sign in
    assert anonymous.post(url, {}).status_code == 403
    assert not Position.objects.filter(stance="opposes").exists()


def test_a_source_is_cited_for_a_position_and_a_status_change_in_place(analyst_client, seeded):
    from proposals.models import Citation, Source

    position = france_position()
    url = f"/proposals/{COALITION}/citations/new/?on=position:{position.pk}"
    page = analyst_client.get(url, **HTMX).content.decode()
    assert "Cite a source for the position of France" in page
    response = analyst_client.post(
        url,
        {
            "source": Source.objects.get().pk,
            "kind": "quote",
            "confidence": "reported",
            "text": "France and Britain",
            "speaker": "dpa",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#positions"
    assert "“France and Britain”" in response.content.decode()
    citation = Citation.objects.get(position=position, text="France and Britain")

    change = StatusChange.objects.get(proposal__slug=COALITION, precondition=None)
    response = analyst_client.post(
        f"/proposals/{COALITION}/citations/new/?on=status_change:{change.pk}",
        {
            "source": Source.objects.get().pk,
            "kind": "quote",
            "confidence": "reported",
            "text": "recently discussed",
        },
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#status"

    removed = analyst_client.post(
        f"/proposals/{COALITION}/citations/{citation.pk}/delete/",
        {"version": citation.version},
        **HTMX,
    )
    assert removed.status_code == 200
    assert not Citation.objects.filter(pk=citation.pk).exists()


@pytest.mark.parametrize(
    "on", ["position:abc", "position:99999999999999999999", "status_change:", "commitment:x1"]
)
def test_a_bad_claim_to_cite_is_a_bad_request(analyst_client, seeded, on):
    response = analyst_client.get(f"/proposals/{COALITION}/citations/new/", {"on": on})
    assert response.status_code == 400


def test_a_position_of_another_proposal_cannot_be_cited_here(analyst_client, seeded):
    position = france_position()
    response = analyst_client.get(
        f"/proposals/{UN}/citations/new/", {"on": f"position:{position.pk}"}
    )
    assert response.status_code == 404
