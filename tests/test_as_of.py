"""?as_of=YYYY-MM-DD: the picture as known on a past day, from the dated records."""

import datetime as dt

import pytest

from proposals import writes
from proposals.models import Actor, Position, Proposal

from .factories import (
    ActorFactory,
    CommitmentFactory,
    LayerFactory,
    PreconditionFactory,
    ProposalFactory,
    layer_kind,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def plan():
    """A plan first reported on 1 March 2025 whose picture changed on later days."""
    proposal = ProposalFactory(slug="plan", title="Border plan", first_reported=D(2025, 3, 1))
    writes.record_status_change(proposal, None, "floated", D(2025, 3, 1))
    writes.record_status_change(proposal, None, "under_discussion", D(2025, 5, 1))
    consent = PreconditionFactory(proposal=proposal, slug="consent", description="Consent.")
    writes.record_status_change(proposal, consent, "unmet", D(2025, 3, 1))
    writes.record_status_change(proposal, consent, "met", D(2025, 6, 1))
    poland = ActorFactory(slug="poland", name="Poland")
    for stance, day in [
        ("undecided", D(2025, 3, 5)),
        ("supports", D(2025, 4, 1)),
        ("opposes", D(2025, 7, 1)),
    ]:
        Position.objects.create(proposal=proposal, actor=poland, stance=stance, stated_on=day)
    writes.sync_backers(proposal.pk)
    layer = LayerFactory(proposal=proposal, kind=layer_kind("naval"))
    layer.contributors.add(poland)
    CommitmentFactory(
        layer=layer,
        actor=poland,
        phase="pledged",
        quantity=3,
        unit="ships",
        stated_on=D(2025, 4, 2),
    )
    CommitmentFactory(
        layer=layer,
        actor=poland,
        phase="withdrawn",
        quantity=3,
        unit="ships",
        stated_on=D(2025, 8, 1),
    )
    return proposal


def page(client, day: str):
    return client.get("/proposals/plan/", {"as_of": day})


def test_today_the_plan_is_under_discussion_met_opposed_and_withdrawn(client, plan):
    html = client.get("/proposals/plan/").content.decode()
    assert "As of" not in html.split('id="as-of-date"')[0]
    assert "Under discussion" in html
    assert "badge--met" in html
    assert "3 ships withdrawn" in html
    assert "no one named in our sources" in html


def test_as_of_a_past_day_shows_the_statuses_stances_and_commitments_then(client, plan):
    response = page(client, "2025-04-15")
    assert response.status_code == 200
    html = response.content.decode()
    assert "As of 15 April 2025" in html
    assert '<a href="/proposals/plan/">Back to today</a>' in html
    # The proposal was floated then; its precondition was met only later.
    header = html.split('id="proposal-header"')[1].split("</header>")[0]
    assert "Floated" in header and "Under discussion" not in header
    assert "badge--unmet" in html and 'badge--met"' not in html
    # Poland's stance changed twice: the one in force then was support, so it backed the plan.
    assert "<strong>Proposed or supported by:</strong> Poland" in html
    stances = html.split('id="positions"')[1].split("</section>\n  \n")[0]
    assert "Supports" in stances and "Opposes" not in stances
    # Withdrawn later: pledged before the withdrawal.
    assert (
        "3 ships pledged" in html
        and "withdrawn" not in html.split('id="layers"')[1].split('id="positions"')[0]
    )
    # Links inside the page keep the day.
    assert 'href="/actors/poland/?as_of=2025-04-15"' in html


def test_a_proposal_first_reported_later_is_absent(client, plan):
    assert page(client, "2025-02-01").status_code == 404


def test_an_undated_proposal_belongs_to_the_picture_from_the_day_it_was_created(client, plan):
    """Never dated in our sources: it counts from the day it was entered, to its last minute."""
    undated = ProposalFactory(slug="undated", title="Undated plan", first_reported=None)
    LayerFactory(proposal=undated, kind=layer_kind("air"))
    late = dt.datetime(2025, 4, 15, 23, 59, tzinfo=dt.UTC)
    Proposal.objects.filter(pk=undated.pk).update(created_at=late)

    def picture(day: str) -> tuple[list[str], int]:
        response = client.get("/proposals/", {"as_of": day})
        air = {o.value: o.count for o in response.context["facets"]["layer"]}["air"]
        return sorted(p.title for p in response.context["page_obj"]), air

    assert picture("2025-04-14") == (["Border plan"], 0)
    assert picture("2025-04-15") == (["Border plan", "Undated plan"], 1)


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "<script>"])
def test_a_malformed_date_is_explained_not_a_500(client, plan, value):
    response = page(client, value)
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a date like 2025-03-10, so this shows today" in html
    assert "<script>" not in html.split("<main")[1]


def test_an_actors_page_as_of_a_past_day(client, plan):
    html = client.get("/actors/poland/", {"as_of": "2025-04-15"}).content.decode()
    assert "As of 15 April 2025" in html
    assert "Opposes" not in html.split("<main")[1].split('id="as-of-date"')[1]
    assert "Supports" in html
    assert 'href="/proposals/plan/?as_of=2025-04-15#positions"' in html
    assert "withdrawn" not in html.split('id="as-of-date"')[1].lower().replace("pledged vs", "")
    today = client.get("/actors/poland/").content.decode()
    assert "Opposes" in today
    assert client.get("/actors/poland/", {"as_of": "31/12/2025"}).status_code == 400


def test_the_dashboard_as_of_a_past_day(client, plan):
    ProposalFactory(slug="later", title="Later plan", first_reported=D(2025, 9, 1))
    response = client.get("/", {"as_of": "2025-04-15"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "As of 15 April 2025" in html
    assert "Later plan" not in html  # first reported after that day
    assert "1 proposal by status" in html
    assert 'href="/proposals/plan/?as_of=2025-04-15"' in html
    assert '<span class="visually-hidden">Supports</span>' in html
    assert "Recently updated" not in html
    totals = html.split('id="commitments-heading"')[1].split("</table>")[0]
    assert "3 ships" in totals and 'Withdrawn</th>\n        <td class="num">0' in totals
    assert client.get("/", {"as_of": "soon"}).status_code == 400


def test_the_list_filters_and_counts_as_of_a_past_day(client, plan):
    ProposalFactory(slug="later", title="Later plan", first_reported=D(2025, 9, 1))

    def titles(**params):
        response = client.get("/proposals/", {"as_of": "2025-04-15", **params})
        assert response.status_code == 200, response.content
        return [p.title for p in response.context["page_obj"]], response

    found, response = titles()
    assert found == ["Border plan"]  # the later plan was not reported yet
    html = response.content.decode()
    heading = html.split('id="results-heading"')[1].split("</h2>")[0]
    assert "1 proposal" in heading and "match" not in heading  # the day alone filters nothing
    heading = (
        titles(status="floated", sort="title")[1].content.decode().split('id="results-heading"')[1]
    )
    assert "1 proposal matches these filters" in heading.split("</h2>")[0]
    assert "As of 15 April 2025" in html
    assert 'href="/proposals/plan/?as_of=2025-04-15"' in html
    facets = response.context["facets"]
    assert {o.value: o.count for o in facets["status"]}["floated"] == 1
    assert {o.value: o.count for o in facets["precondition"]} == {
        "unmet": 1,
        "in_progress": 0,
        "met": 0,
    }
    assert {o.value: o.count for o in facets["actor"]}["poland"] == 1
    # Filters read the picture then: floated, an unmet precondition, backed by Poland.
    assert titles(status="floated")[0] == ["Border plan"]
    assert titles(status="under_discussion")[0] == []
    assert titles(precondition="unmet")[0] == ["Border plan"]
    assert titles(precondition="met")[0] == []
    assert titles(actor="poland")[0] == ["Border plan"]
    # Today the plan is under discussion, its precondition met, and Poland opposes it.
    today = client.get("/proposals/", {"actor": "poland"})
    assert [p.title for p in today.context["page_obj"]] == ["Border plan"]  # a contributor still
    assert (
        client.get("/proposals/", {"precondition": "met"}).context["page_obj"].paginator.count == 1
    )


def dated_plan(title, status, precondition, backer, reported=None, published=True):
    """A plan whose status, precondition and backer on 15 April 2025 are those given, and
    otherwise today: each changed on 1 May 2025."""
    proposal = ProposalFactory(
        title=title, first_reported=reported or D(2025, 3, 1), is_published=published
    )
    later = {"floated": "agreed", "under_discussion": "floated"}[status]
    writes.record_status_change(proposal, None, status, D(2025, 3, 1))
    writes.record_status_change(proposal, None, later, D(2025, 5, 1))
    condition = PreconditionFactory(proposal=proposal)
    writes.record_status_change(proposal, condition, precondition, D(2025, 3, 1))
    swapped = {"met": "unmet", "unmet": "met"}[precondition]
    writes.record_status_change(proposal, condition, swapped, D(2025, 5, 1))
    other = Actor.objects.exclude(pk=backer.pk).get(slug__in=["a", "b"])
    for actor, stance, day in [
        (backer, "supports", D(2025, 4, 1)),
        (other, "supports", D(2025, 5, 1)),
    ]:
        Position.objects.create(proposal=proposal, actor=actor, stance=stance, stated_on=day)
        Position.objects.create(
            proposal=proposal, actor=actor, stance="opposes", stated_on=D(2025, 3, 1)
        )
    writes.sync_backers(proposal.pk)
    LayerFactory(proposal=proposal, kind=layer_kind("naval"))
    return proposal


def test_each_facet_as_of_a_past_day_counts_within_every_other_filter_then(client, analyst):
    """With several facets filtered on, as of a past day: each facet counts the proposals that
    every other filter gives then (not today), leaving out those not yet reported and drafts."""
    a, b = ActorFactory(slug="a", name="A"), ActorFactory(slug="b", name="B")
    dated_plan("Every filter", "floated", "unmet", a)
    dated_plan("Under discussion then", "under_discussion", "unmet", a)
    dated_plan("Met then", "floated", "met", a)
    dated_plan("Backed by B then", "floated", "unmet", b)
    dated_plan("Reported later", "floated", "unmet", a, reported=D(2025, 9, 1))
    dated_plan("Draft", "floated", "unmet", a, published=False)
    chosen = {"as_of": "2025-04-15", "status": "floated", "precondition": "unmet", "actor": "a"}

    def seen(params, viewer=client):
        response = viewer.get("/proposals/", params)
        assert response.status_code == 200, response.content
        facets = response.context["facets"]
        counts = {
            name: {o.value: o.count for o in facets[name] if o.count}
            for name in ("status", "precondition", "actor", "layer")
        }
        titles = sorted(p.title for p in response.context["page_obj"])
        return titles, response.context["page_obj"].paginator.count, counts

    titles, count, counts = seen(chosen)
    assert (titles, count) == (["Every filter"], 1)
    assert counts == {
        "status": {"floated": 1, "under_discussion": 1},
        "precondition": {"unmet": 1, "met": 1},
        "actor": {"a": 1, "b": 1},
        "layer": {"naval": 1},
    }
    # A layer every plan has, as a fourth facet filtered on, changes nothing; one none has, all.
    assert seen({**chosen, "layer": "naval"}) == (titles, count, counts)
    none = seen({**chosen, "layer": "air"})
    assert none[:2] == ([], 0) and none[2]["layer"] == {}
    assert none[2]["status"] == {} and none[2]["actor"] == {}
    # Today the same filters find none of them: the statuses, preconditions and backers changed.
    today = {key: value for key, value in chosen.items() if key != "as_of"}
    assert seen(today)[:2] == ([], 0)
    # Two facets filtered on: the third counts within both.
    titles, count, counts = seen({"as_of": "2025-04-15", "status": "floated", "actor": "a"})
    assert (titles, count) == (["Every filter", "Met then"], 2)
    assert counts["precondition"] == {"unmet": 1, "met": 1}
    assert counts["status"] == {"floated": 2, "under_discussion": 1}
    assert counts["actor"] == {"a": 2, "b": 1}
    # An analyst's counts and rows include the draft.
    client.force_login(analyst)
    titles, count, counts = seen(chosen)
    assert (titles, count) == (["Draft", "Every filter"], 2)
    assert counts["status"] == {"floated": 2, "under_discussion": 1}


def test_a_malformed_day_on_the_list_is_explained(client, plan):
    response = client.get("/proposals/", {"as_of": "2025-02-30"})
    assert response.status_code == 400
    assert "is not a date like 2025-03-10" in response.content.decode()


def test_compare_as_of_a_past_day(client, plan):
    other = ProposalFactory(slug="other", title="Other plan", first_reported=D(2025, 3, 2))
    writes.record_status_change(other, None, "agreed", D(2025, 3, 2))
    later = ProposalFactory(slug="later", title="Later plan", first_reported=D(2025, 9, 1))
    response = client.get("/compare/", {"p": ["plan", "other", later.slug], "as_of": "2025-04-15"})
    assert response.status_code == 400  # the later plan is left out, and says so
    html = response.content.decode()
    assert "No proposal at /proposals/later/ reported by 15 April 2025; left out." in html
    assert "As of 15 April 2025" in html
    assert '<a href="/compare/?p=plan&amp;p=other&amp;p=later">Back to today</a>' in html
    status = next(row for row in response.context["rows"] if row["label"] == "Status")
    assert status["values"] == ["Floated", "Agreed"]
    backed = next(
        row for row in response.context["rows"] if row["label"] == "Proposed or supported by"
    )
    assert backed["values"] == ["Poland", ""]
    assert '<input type="hidden" name="p" value="plan">' in html


def dated_proposal(n: int, actors) -> Proposal:
    from .factories import full_proposal

    proposal = full_proposal(
        n_layers=1 + n % 3, n_preconditions=n % 3, first_reported=D(2025, 1, 1)
    )
    writes.record_status_change(proposal, None, "floated", D(2025, 1, 1))
    for precondition in proposal.preconditions.all():
        writes.record_status_change(proposal, precondition, "unmet", D(2025, 1, 1))
        writes.record_status_change(proposal, precondition, "met", D(2025, 6, 1))
    for i, actor in enumerate(actors[: 1 + n % 3]):
        Position.objects.create(
            proposal=proposal, actor=actor, stance="supports", stated_on=D(2025, 2, 1 + i)
        )
        Position.objects.create(
            proposal=proposal, actor=actor, stance="opposes", stated_on=D(2025, 7, 1 + i)
        )
        for layer in proposal.layers.all():
            CommitmentFactory(layer=layer, actor=actor, stated_on=D(2025, 3, 1))
    writes.sync_backers(proposal.pk)
    return proposal


def test_pages_as_of_a_past_day_use_a_constant_number_of_queries(client):
    from .test_queries import count_queries

    actors = [ActorFactory(slug=f"actor-{i}") for i in range(3)]
    first, second = dated_proposal(0, actors), dated_proposal(1, actors)
    day = "as_of=2025-04-01"
    urls = [
        f"/?{day}",
        f"/proposals/?{day}",
        f"/proposals/?{day}&status=floated&precondition=unmet&actor=actor-0",
        f"/proposals/{first.slug}/?{day}",
        f"/actors/actor-0/?{day}",
        f"/compare/?p={first.slug}&p={second.slug}&{day}",
    ]
    few = {url: count_queries(client, url) for url in urls}
    many = [dated_proposal(n, actors) for n in range(2, 30)]
    urls[3] = f"/proposals/{many[-1].slug}/?{day}"
    more = {url: count_queries(client, url) for url in urls}
    assert list(few.values()) == list(more.values())


def test_sources_published_later_are_not_part_of_a_past_picture(client, plan):
    from .factories import CitationFactory, SourceFactory

    later = SourceFactory(title="Autumn report", published_on=D(2025, 10, 1))
    CitationFactory(proposal=plan, source=later, text="words of the autumn")
    assert "Autumn report" in client.get("/proposals/plan/").content.decode()
    assert "Autumn report" not in page(client, "2025-04-15").content.decode()


def test_a_past_days_list_offers_its_json_and_says_the_csv_files_hold_today(client, seeded):
    """The CSV files carry today's statuses and backers: they are not offered as the day's."""
    html = client.get("/proposals/?as_of=2025-06-30&status=floated").content.decode()
    downloads = html[html.index('<p class="downloads">') :]
    downloads = downloads[: downloads.index("</p>")]
    assert "/api/proposals/?as_of=2025-06-30&amp;status=floated" in downloads
    assert "The CSV files hold today's picture" in downloads
    assert 'href="/export/proposals.csv?status=floated"' in downloads
    assert "as_of" not in downloads.split("JSON</a>")[1]
    day = client.get("/api/proposals/?as_of=2025-06-30&status=floated").json()
    assert day["count"] == 1  # the JSON is that day's
