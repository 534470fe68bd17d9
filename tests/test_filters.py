"""The list's filters, facets with counts, and live (HTMX) filtering."""

import datetime as dt

import pytest

from proposals.models import Proposal

from .conftest import HTMX
from .factories import ActorFactory, LayerFactory, PreconditionFactory, ProposalFactory, layer_kind

pytestmark = pytest.mark.django_db

UN = "UN peacekeeping mission to monitor a possible future ceasefire"
COALITION = "Coalition of the willing: multi-layered security concept"


def titles(response) -> list[str]:
    return sorted(p.title for p in response.context["page_obj"])


def counts(response, facet: str) -> dict[str, int]:
    return {option.value: option.count for option in response.context["facets"][facet]}


def test_status_and_layer_take_several_values(client, seeded):
    response = client.get("/proposals/?status=floated&status=under_discussion")
    assert titles(response) == sorted([UN, COALITION])
    # Several layers: proposals that have all of them.
    assert titles(client.get("/proposals/?layer=un_force&layer=naval")) == [COALITION]
    assert titles(client.get("/proposals/?layer=un_force")) == sorted([UN, COALITION])


def test_first_reported_date_range(client, db):
    ProposalFactory(title="Early", first_reported=dt.date(2025, 1, 10))
    ProposalFactory(title="Late", first_reported=dt.date(2025, 6, 1))
    ProposalFactory(title="Undated", first_reported=None)
    assert titles(client.get("/proposals/?reported_after=2025-03-01")) == ["Late"]
    assert titles(client.get("/proposals/?reported_before=2025-03-01")) == ["Early"]
    response = client.get("/proposals/?reported_after=2025-01-01&reported_before=2025-12-31")
    assert titles(response) == ["Early", "Late"]


def test_an_impossible_date_is_explained_and_ignored(client, seeded):
    response = client.get("/proposals/?reported_after=2025-02-30")
    assert response.status_code == 400
    assert "From: 2025-02-30 is not a value we know" in response.content.decode()
    assert len(titles(response)) == 2


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Alpha", "Bravo", "Charlie"]),
        ("-first_reported", ["Charlie", "Alpha", "Bravo"]),
        ("first_reported", ["Bravo", "Alpha", "Charlie"]),
        ("status", ["Bravo", "Charlie", "Alpha"]),
    ],
)
def test_sort_orders(client, db, sort, expected):
    ProposalFactory(title="Alpha", status="shelved", first_reported=dt.date(2025, 2, 1))
    ProposalFactory(title="Bravo", status="agreed", first_reported=dt.date(2025, 1, 1))
    ProposalFactory(title="Charlie", status="floated", first_reported=dt.date(2025, 3, 1))
    response = client.get("/proposals/", {"sort": sort})
    assert [p.title for p in response.context["page_obj"]] == expected


def test_recently_updated_is_the_default_order(client, db):
    first, second = ProposalFactory(title="First"), ProposalFactory(title="Second")
    first.summary = "Touched later."
    first.save()
    assert [p.title for p in client.get("/proposals/").context["page_obj"]] == ["First", "Second"]
    assert second.pk


def test_facet_counts_keep_the_other_filters(client, seeded):
    response = client.get("/proposals/?status=floated")
    # Status counts ignore the status filter itself, so other statuses can be added.
    assert counts(response, "status") == {
        "floated": 1,
        "under_discussion": 1,
        "agreed": 0,
        "operational": 0,
        "shelved": 0,
    }
    # Layer counts are within the floated proposals.
    assert counts(response, "layer") == {
        "air": 0,
        "naval": 0,
        "un_force": 1,
        "border_training": 0,
        "us_guarantor": 0,
    }
    assert counts(response, "precondition") == {"unmet": 1, "in_progress": 0, "met": 0}
    # Nobody backs or contributes to the UN mission yet; France backs the coalition's plan.
    actors = counts(response, "actor")
    assert actors["united-nations"] == 0 and actors["france"] == 0
    assert counts(client.get("/proposals/?status=under_discussion"), "actor")["france"] == 1


def test_actor_facet_counts_each_proposal_once(client, db):
    actor = ActorFactory(slug="both-roles")
    proposal = ProposalFactory(proponents=[actor])
    LayerFactory(proposal=proposal, kind=layer_kind("air"), contributors=[actor])
    LayerFactory(proposal=proposal, kind=layer_kind("naval"), contributors=[actor])
    assert counts(client.get("/proposals/"), "actor")["both-roles"] == 1


def test_facets_show_counts_beside_the_options(client, seeded):
    html = client.get("/proposals/").content.decode()
    assert (
        'value="naval" id="facet-layer-naval"> Naval units <span class="facet__count">1<span class="visually-hidden"> proposal</span></span>'
        in html
    )
    assert "France (1)" in html


def test_live_filtering_answers_htmx_with_results_and_facets(client, seeded):
    response = client.get("/proposals/?q=&status=floated&layer=&actor=", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="results" id="results"')
    assert '<div id="facets" hx-swap-oob="true">' in html
    assert response["HX-Push-Url"] == "/proposals/?status=floated"  # the clean, shareable URL
    assert "HX-Request" in response["Vary"]
    assert UN in html and COALITION not in html


def test_the_full_page_and_history_restores_get_the_whole_page(client, seeded):
    html = client.get("/proposals/?status=floated").content.decode()
    assert "<html" in html and 'hx-get="/proposals/"' in html
    restore = client.get(
        "/proposals/?status=floated", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()


def test_precondition_filter_with_several_statuses_in_play(client, db):
    proposal = ProposalFactory(title="Mixed")
    PreconditionFactory(proposal=proposal, status="met")
    PreconditionFactory(proposal=proposal, status="unmet")
    ProposalFactory(title="None")
    assert titles(client.get("/proposals/?precondition=met")) == ["Mixed"]
    assert titles(client.get("/proposals/?precondition=unmet")) == ["Mixed"]
    assert Proposal.objects.count() == 2


def test_facet_counts_follow_every_edit_despite_the_cache(client, seeded):
    assert counts(client.get("/proposals/"), "status")["agreed"] == 0
    proposal = Proposal.objects.get(slug="un-peacekeeping-mission")
    proposal.status = "agreed"
    proposal.save()
    assert counts(client.get("/proposals/"), "status")["agreed"] == 1
    layer = LayerFactory(proposal=proposal, kind=layer_kind("naval"))
    assert counts(client.get("/proposals/"), "layer")["naval"] == 2
    layer.contributors.add(ActorFactory(slug="newcomer"))
    assert counts(client.get("/proposals/"), "actor")["newcomer"] == 1
