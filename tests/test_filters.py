"""The list's filters, facets with counts, and live (HTMX) filtering."""

import datetime as dt

import pytest
from django.test import Client

from proposals import writes
from proposals.models import Involvement, Proposal

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


def test_readers_counts_leave_out_drafts_which_analysts_see(client, analyst):
    backer, other = ActorFactory(slug="backer"), ActorFactory(slug="other")
    for published, proponent in [(True, backer), (False, other)]:
        proposal = ProposalFactory(is_published=published, proponents=[proponent])
        LayerFactory(proposal=proposal, kind=layer_kind("air"), contributors=[backer])
        PreconditionFactory(proposal=proposal, status="met")
    reader = client.get("/proposals/")
    assert counts(reader, "status")["floated"] == 1
    assert counts(reader, "layer")["air"] == 1
    assert counts(reader, "precondition")["met"] == 1
    assert (counts(reader, "actor")["backer"], counts(reader, "actor")["other"]) == (1, 0)
    client.force_login(analyst)
    response = client.get("/proposals/")
    assert counts(response, "status")["floated"] == 2
    assert counts(response, "layer")["air"] == 2
    assert counts(response, "precondition")["met"] == 2
    assert (counts(response, "actor")["backer"], counts(response, "actor")["other"]) == (2, 1)


def test_a_drafts_match_is_not_counted_for_readers_with_filters_in_play(client, db):
    for published in (True, False):
        proposal = ProposalFactory(is_published=published, status="agreed")
        LayerFactory(proposal=proposal, kind=layer_kind("naval"))
    response = client.get("/proposals/?status=agreed&layer=naval")
    assert counts(response, "status")["agreed"] == 1
    assert counts(response, "layer")["naval"] == 1


def test_each_facet_counts_within_every_other_filter_in_play(client, db):
    a, b = ActorFactory(slug="a"), ActorFactory(slug="b")
    rows = [
        # title, status, layers, precondition statuses, backers
        ("Every filter", "agreed", ["naval", "air"], ["met"], [a]),
        ("Floated", "floated", ["naval"], ["met"], [a]),
        ("No naval layer", "agreed", ["air"], ["met"], [a]),
        ("Unmet", "agreed", ["naval"], ["unmet"], [b]),
    ]
    for title, status, kinds, preconditions, backers in rows:
        proposal = ProposalFactory(title=title, status=status, proponents=backers)
        for kind in kinds:
            LayerFactory(proposal=proposal, kind=layer_kind(kind))
        for precondition in preconditions:
            PreconditionFactory(proposal=proposal, status=precondition)
    response = client.get("/proposals/?status=agreed&layer=naval&precondition=met")
    assert titles(response) == ["Every filter"]
    assert counts(response, "status") == {
        "floated": 1,
        "under_discussion": 0,
        "agreed": 1,
        "operational": 0,
        "shelved": 0,
    }
    assert counts(response, "layer")["naval"] == 1 and counts(response, "layer")["air"] == 1
    assert counts(response, "precondition") == {"unmet": 1, "in_progress": 0, "met": 1}
    assert (counts(response, "actor")["a"], counts(response, "actor")["b"]) == (1, 0)
    # With an actor too: the status counts keep it, the actor counts leave it out.
    response = client.get("/proposals/?status=agreed&layer=naval&precondition=met&actor=b")
    assert titles(response) == []
    assert counts(response, "status")["agreed"] == 0
    assert (counts(response, "actor")["a"], counts(response, "actor")["b"]) == (1, 0)
    response = client.get("/proposals/?status=agreed&layer=naval&actor=b")
    assert counts(response, "precondition") == {"unmet": 1, "in_progress": 0, "met": 0}


def test_a_proposal_counts_once_however_many_of_its_records_match(client, db):
    both = ActorFactory(slug="both")
    # Ids on either side of 64 and its multiples, as the counts group proposals by their ids.
    for pk in (1, 62, 63, 64, 65, 127, 128, 200):
        proposal = ProposalFactory(id=pk, proponents=[both])
        for kind in ("air", "naval"):
            LayerFactory(proposal=proposal, kind=layer_kind(kind), contributors=[both])
        for status in ("met", "met", "unmet"):
            PreconditionFactory(proposal=proposal, status=status)
    response = client.get("/proposals/")
    assert counts(response, "precondition") == {"unmet": 8, "in_progress": 0, "met": 8}
    assert counts(response, "actor")["both"] == 8
    assert counts(response, "layer")["air"] == 8
    response = client.get("/proposals/?layer=air&layer=naval&precondition=met")
    assert counts(response, "actor")["both"] == 8
    assert counts(response, "precondition") == {"unmet": 8, "in_progress": 0, "met": 8}


def test_who_is_involved_in_a_proposal_follows_every_edit(client, db):
    """The actor facet and filter read a derived table (Involvement): it must follow additions,
    removals and deletions, on either side."""
    first, second = ActorFactory(slug="first"), ActorFactory(slug="second")
    proposal = ProposalFactory(proponents=[first])
    layer = LayerFactory(proposal=proposal, kind=layer_kind("air"), contributors=[second])

    def involved() -> set[str]:
        return set(
            Involvement.objects.filter(proposal=proposal).values_list("actor__slug", flat=True)
        )

    assert involved() == {"first", "second"}
    assert titles(client.get("/proposals/?actor=second")) == [proposal.title]
    proposal.proponents.remove(first)
    assert involved() == {"second"}
    assert counts(client.get("/proposals/"), "actor")["first"] == 0
    layer.contributors.set([first])
    assert involved() == {"first"}
    assert titles(client.get("/proposals/?actor=second")) == []
    layer.delete()
    assert involved() == set()
    assert titles(client.get("/proposals/?actor=first")) == []
    assert counts(client.get("/proposals/"), "actor")["first"] == 0
    proposal.proponents.add(second)
    assert counts(client.get("/proposals/"), "actor")["second"] == 1
    proposal.delete()
    assert not Involvement.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=drones",
        "layer=air",
        "precondition=unmet",
        "actor=france",
        "status=floated",
        "status=floated&status=under_discussion&q=mission",
        "as_of=2025-04-15",
        "as_of=2025-04-15&layer=air",
        "as_of=2025-04-15&status=floated&status=under_discussion",
        "as_of=2025-04-15&status=floated&q=drones",
    ],
)
def test_the_number_of_results_said_is_the_number_listed(analyst_client, seeded, query):
    """The count comes from the status facet (of the statuses chosen, or all of them): it must
    still be the number of proposals listed, for readers and for analysts (who also see drafts),
    today and as of a past day."""
    ProposalFactory(
        title="Draft with drones", is_published=False, first_reported=dt.date(2025, 1, 1)
    )
    LayerFactory(proposal=ProposalFactory(title="Air plan with drones"), kind=layer_kind("air"))
    reader = Client()
    for viewer in (reader, analyst_client):
        response = viewer.get(f"/proposals/?{query}&page=1")
        page = response.context["page_obj"]
        listed = page.paginator.count
        # Every row the filters give, not the pages, which follow the count.
        assert listed == len(list(page.paginator.object_list))
        assert f"{listed} proposal" in response.content.decode()
    assert analyst_client.get("/proposals/").context["page_obj"].paginator.count == (
        reader.get("/proposals/").context["page_obj"].paginator.count + 1
    )


def test_the_precondition_tallies_follow_every_edit(seeded):
    """The precondition facet, filter and row counts read each proposal's stored tallies: they
    must follow a status change, a new or deleted precondition, and a save of the proposal
    from a copy read before the precondition changed."""
    plan = ProposalFactory(title="Tallied plan")
    first = PreconditionFactory(proposal=plan, slug="first", status="unmet")

    def seen() -> tuple[dict[str, int], bool, int]:
        """Its facet counts, whether ?precondition=met lists it, and its row's count."""
        response = Client().get("/proposals/", {"q": "Tallied"})
        row = response.context["page_obj"][0]
        met = titles(Client().get("/proposals/", {"precondition": "met"}))
        return counts(response, "precondition"), plan.title in met, row.preconditions_total

    def stored() -> tuple[int, int, int]:
        plan.refresh_from_db()
        return plan.tally_met, plan.tally_in_progress, plan.tally_unmet

    assert stored() == (0, 0, 1)
    assert seen() == ({"unmet": 1, "in_progress": 0, "met": 0}, False, 1)
    stale_copy = Proposal.objects.get(pk=plan.pk)
    writes.record_status_change(plan, first, "met", dt.date(2025, 5, 1))
    assert stored() == (1, 0, 0)
    assert seen() == ({"unmet": 0, "in_progress": 0, "met": 1}, True, 1)
    stale_copy.summary = "Edited from a copy read before."
    stale_copy.save()  # writes the old tallies, which the same transaction counts again
    assert stored() == (1, 0, 0)
    PreconditionFactory(proposal=plan, slug="second", status="in_progress")
    assert stored() == (1, 1, 0)
    first.delete()
    assert stored() == (0, 1, 0)
    assert seen()[0] == {"unmet": 0, "in_progress": 1, "met": 0}
    # With a precondition chosen, the other facets still count the right proposals.
    response = Client().get("/proposals/", {"precondition": "in_progress", "q": "Tallied"})
    assert titles(response) == [plan.title]
    assert counts(response, "precondition") == {"unmet": 0, "in_progress": 1, "met": 0}
