"""Each query the proposal's page runs through Prepared gives what its queryset gives: the same
records, fields, related records and annotations, for one proposal or several, today or as of a
past day, with lists of every length (padded or not)."""

import datetime as dt

import pytest
from django.utils import timezone

from proposals import as_of
from proposals.models import CLAIMS, Citation, Layer, Proposal
from proposals.prepared import Prepared
from proposals.views import detail

from .factories import full_proposal

DAYS = [None, dt.date(2025, 3, 1), dt.date.today()]


def snapshot(objects) -> list:
    """What a record carries: its fields, annotations and the records selected with it."""
    rows = []
    for obj in objects:
        fields = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
        related = {
            name: (type(value).__name__, value.pk, snapshot([value])[0][2])
            for name, value in obj._state.fields_cache.items()
            if value is not None
        }
        rows.append((type(obj).__name__, fields, related))
    return rows


def by_id(rows: list) -> list:
    # The whole record breaks ties: an actor comes once per role it has.
    return sorted(rows, key=lambda row: (row[0], row[1].get("id"), repr(row)))


def same(prepared: Prepared, *args) -> None:
    """The same records with the same contents. Both run the same SQL, ORDER BY included; where
    it leaves ties (layers of one kind in two proposals), the database may break them either
    way from one run to the next, so records are compared in the order of their ids."""
    expected = (
        snapshot(prepared.build(*args))
        if any(not isinstance(arg, list) or arg for arg in args)
        else []
    )
    assert by_id(snapshot(prepared(*args))) == by_id(expected), args


@pytest.fixture
def proposals(seeded):
    made = [full_proposal(n_layers=n, n_preconditions=n) for n in (1, 3, 5)]
    return [*made, *Proposal.objects.exclude(pk__in=[p.pk for p in made])]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_prepared_queries_give_what_their_querysets_give(proposals, count):
    chosen = proposals[:count]
    ids = [p.pk for p in chosen]
    slugs = [p.slug for p in chosen]
    for day in DAYS:
        for published in (True, False):
            end = as_of.day_end(day) if day else None
            same(detail.PROPOSALS, slugs, published, day, end)
        same(detail.COMMITMENTS, ids, day)
        same(detail.PRECONDITIONS, ids, day)
        same(detail.POSITIONS, ids, day)
        same(detail.STATUS_CHANGES, ids, day)
        same(detail.EVENTS, ids, day)
    same(detail.LAYERS, ids)
    same(detail.ACTORS, ids)
    for drafts in (True, False):
        same(detail.RELATIONS, ids, drafts)
    claims = {
        claim: list(
            Citation.objects.filter(**{f"{claim}__isnull": False}).values_list(
                f"{claim}_id", flat=True
            )[: count * 2]
        )
        for claim in CLAIMS
    }
    same(detail.CITATIONS, *[claims[claim] for claim in CLAIMS])
    # Not vacuous: there was something to compare.
    assert detail.LAYERS(ids) and detail.PRECONDITIONS(ids, None)
    assert detail.CITATIONS(*[claims[claim] for claim in CLAIMS])


def test_empty_lists_match_nothing_without_a_query(proposals, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert detail.LAYERS([]) == []


def test_a_text_that_looks_like_a_placeholder_is_only_a_text(proposals):
    assert detail.PROPOSALS(["placeholder 0"], False, None, None) == []
    assert detail.LAYERS([-1_000_000_000]) == []


@pytest.mark.parametrize("p", ["%00", "un-peacekeeping-mission&p=%00%01", "a%20b&p=%3Cscript%3E"])
def test_a_comparison_of_what_cannot_be_an_address_is_a_400(proposals, client, p):
    """PostgreSQL refuses a NUL byte in a text: it must never reach the query."""
    response = client.get(f"/compare/?p={p}")
    assert response.status_code == 400
    assert "\x00" not in response.content.decode()


def test_prepared_rows_give_what_their_queryset_gives(proposals, analyst, bob):
    """A values_list() query, with a moment and an id among its arguments: the workspace's
    changes by others, and its queue of unsourced claims through the prepared queries."""
    from proposals import claims, workspace, writes

    for user in (analyst, bob):
        for layer in Layer.objects.filter(proposal__in=proposals[:2]):

            def write(layer=layer, user=user):
                layer.area = f"Changed by {user.username}"
                layer.save()

            writes.save(layer, layer.version, user, write)
    moments = [timezone.now() - dt.timedelta(days=1), timezone.now() - dt.timedelta(seconds=1)]
    for since in moments:
        for user in (analyst, bob):
            query = workspace.CHANGES_BY_OTHERS
            assert sorted(query(since, user.pk)) == sorted(query.build(since, user.pk)), since
    assert workspace.CHANGES_BY_OTHERS(moments[0], analyst.pk)  # not vacuous: Bob's changes
    assert not workspace.CHANGES_BY_OTHERS(timezone.now(), analyst.pk)

    ids = [proposal.pk for proposal in proposals[:4]]

    def described(items) -> list:
        return [
            (item.kind, item.proposal.pk, item.claim.pk, item.what, item.cite_on) for item in items
        ]

    expected = described(claims.unsourced(Proposal.objects.published().filter(pk__in=ids)))
    assert described(claims.unsourced_of(ids)) == expected
    assert expected  # the made proposals cite only some of their claims


def test_the_change_logs_prepared_rows_are_those_of_its_querysets(proposals):
    """The newest historical rows of each kind of record, between moments or not."""
    from proposals import changes

    now = timezone.now()
    moments = [None, now - dt.timedelta(days=1), now + dt.timedelta(seconds=1)]
    found = 0
    for model in changes.TRACKED:
        for fetch in (3, 40):
            for before in moments:
                for since in moments:
                    rows = changes.newest(model, fetch)(before, since)
                    expected = changes.newest_rows(model, fetch, before, since)
                    assert sorted(rows, key=repr) == sorted(expected, key=repr)
                    found += len(rows)
    assert found  # not vacuous: the made proposals have a history


def test_a_value_worked_out_from_an_argument_is_refused(db):
    """It would stay in the compiled query as it was for the first arguments."""
    week = Prepared(
        lambda day: Proposal.objects.filter(
            first_reported__gte=day, first_reported__lt=day + dt.timedelta(7)
        )
    )
    with pytest.raises(ValueError, match="values it works out"):
        week(dt.date(2025, 3, 1))


def test_an_undated_proposal_is_on_its_page_and_compared_as_of_a_day_after_its_creation(
    proposals, client
):
    """Never dated, it was reported when it was created (the day's end is an argument of the
    prepared query, not a constant worked out from the first day asked for)."""
    undated = proposals[0]
    Proposal.objects.filter(pk=undated.pk).update(
        first_reported=None, created_at=timezone.make_aware(dt.datetime(2025, 2, 1, 12))
    )
    for day, status in [("2025-01-31", 404), ("2025-02-01", 200), ("2025-06-01", 200)]:
        assert client.get(f"/proposals/{undated.slug}/?as_of={day}").status_code == status, day
    other = proposals[1].slug
    page = client.get(f"/compare/?p={undated.slug}&p={other}&as_of=2025-06-01")
    assert undated.title in page.content.decode()
