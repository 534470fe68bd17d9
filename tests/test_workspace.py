"""The analysts' workspace: each queue (what appears, and when it goes), the bulk actions with and
without HTMX, conflicts row by row, who may use it, and its query count at two sizes."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import writes
from proposals.models import (
    Actor,
    Citation,
    ImportBatch,
    Layer,
    Proposal,
    Source,
    StatusChange,
    WorkspaceVisit,
)

from .conftest import HTMX
from .factories import LayerFactory, PositionFactory, ProposalFactory, layer_kind

pytestmark = pytest.mark.django_db

URL = "/workspace/"
BULK = "/workspace/bulk/"
UN = "un-peacekeeping-mission"
COALITION = "coalition-of-the-willing-security-concept"


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", html.index(f'id="{name}-heading"'))]


def rows(*proposals) -> dict:
    """The form fields of ticked rows, with the versions the analyst saw."""
    data = {"proposals": [p.pk for p in proposals]}
    data |= {f"version-{p.pk}": p.version for p in proposals}
    return data


def edit_as(user, record, **values):
    def write():
        for name, value in values.items():
            setattr(record, name, value)
        record.save()
        return record

    return writes.save(record, record.version, user, write)


# Who may use it -------------------------------------------------------------------------------


def test_readers_are_sent_to_sign_in_and_other_users_are_refused(client, outsider_client):
    assert Client().get(URL)["Location"].startswith("/accounts/login/?next=/workspace/")
    assert Client().post(BULK, {"action": "review"}).status_code == 403
    assert outsider_client.get(URL).status_code == 403
    assert outsider_client.post(BULK, {"action": "review"}).status_code == 403


def test_the_header_shows_analysts_the_workspace_with_what_waits(analyst_client, seeded):
    html = analyst_client.get("/").content.decode()
    # The two seed proposals have never been reviewed: 2 items wait.
    assert '>Workspace <span class="nav-count" id="workspace-waiting">2</span>' in html
    assert "/workspace/" not in Client().get("/").content.decode()


# The queues -------------------------------------------------------------------------------------


def test_a_draft_waits_with_who_created_it_until_it_is_published(analyst_client, seeded, bob):
    draft = writes.create(
        bob, None, lambda: Proposal.objects.create(title="OSCE observers", slug="osce")
    )
    drafts = section(analyst_client.get(URL).content.decode(), "drafts")
    assert "OSCE observers" in drafts and "by Bob Editor" in drafts

    response = analyst_client.post(BULK, {"publish_one": draft.pk, f"version-{draft.pk}": 1})
    assert response.status_code == 302 and response["Location"] == "/workspace/#bulk-summary"
    html = analyst_client.get(URL).content.decode()
    assert "Publish: done for 1 of 1 proposal." in html
    assert "No drafts: everything is published." in section(html, "drafts")
    draft.refresh_from_db()
    assert draft.is_published and draft.reviewed_by.username == "alice"
    # The summary is shown once.
    assert "Publish: done" not in analyst_client.get(URL).content.decode()


def test_an_unsourced_claim_waits_until_it_is_cited_from_the_queue(analyst_client, seeded):
    assert "Every published claim cites a source." in analyst_client.get(URL).content.decode()
    coalition = Proposal.objects.get(slug=COALITION)
    Layer.objects.filter(proposal=coalition, kind__slug="air").delete()
    LayerFactory(proposal=coalition, kind=layer_kind("air"), description="Drones over the line.")

    queue = section(analyst_client.get(URL).content.decode(), "unsourced")
    assert "The Air monitoring layer" in queue
    link = (
        f"/proposals/{COALITION}/citations/new/?on=layer%3Aair&amp;next=%2Fworkspace%2F%23unsourced"
    )
    assert link in queue

    form = analyst_client.get(link.replace("&amp;", "&"))
    assert "Cite a source for the Air monitoring layer" in form.content.decode()
    response = analyst_client.post(
        link.replace("&amp;", "&"),
        {
            "kind": "paraphrase",
            "text": "Drones would watch the line.",
            "confidence": "reported",
            "source": Source.objects.get().pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workspace/#unsourced"
    assert "Every published claim cites a source." in analyst_client.get(URL).content.decode()


def test_the_citation_form_goes_back_only_to_a_page_of_this_site(analyst_client, seeded):
    response = analyst_client.post(
        f"/proposals/{UN}/citations/new/?next=https://evil.example/",
        {
            "kind": "paraphrase",
            "text": "Words.",
            "confidence": "reported",
            "source": Source.objects.get().pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/proposals/{UN}/")


def test_a_proposal_is_stale_until_reviewed_and_the_page_says_who_reviewed_it(
    analyst_client, seeded
):
    un = Proposal.objects.get(slug=UN)
    assert UN in section(analyst_client.get(URL).content.decode(), "stale")
    assert "Not yet reviewed by an analyst" in Client().get(f"/proposals/{UN}/").content.decode()

    response = analyst_client.post(BULK, {"action": "review", **rows(un)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark reviewed: done for 1 of 1 proposal." in html
    assert f'href="/proposals/{UN}/"' not in section(html, "stale")
    assert 'id="workspace-waiting" hx-swap-oob="true">1<' in html  # the coalition still waits

    page = Client().get(f"/proposals/{UN}/").content.decode()
    assert "Reviewed <time" in page and "0\xa0minutes ago</time> by Alice Analyst" in page
    history = Client().get(f"/proposals/{UN}/history/").content.decode()
    assert "marked reviewed</span> by Alice Analyst" in history
    # Reviewing changes no content: the proposal's last update stays.
    assert Proposal.objects.get(pk=un.pk).updated_at == un.updated_at


@pytest.mark.parametrize(
    ("days", "reviewed_days_ago", "stale"),
    [(30, 30, False), (30, 31, True), (0, 0, False), (0, 1, True), (7, 3, False)],
)
def test_stale_counts_calendar_days(analyst, seeded, days, reviewed_days_ago, stale):
    from proposals.workspace import stale as stale_queue

    day = timezone.localdate() - dt.timedelta(days=reviewed_days_ago)
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Proposal.objects.update(reviewed_at=when, reviewed_by=analyst)
    with override_settings(STALE_AFTER_DAYS=days):
        assert stale_queue().exists() == stale


def test_what_others_changed_since_the_last_visit(analyst, analyst_client, bob, seeded):
    analyst_client.get(URL)  # a first visit
    WorkspaceVisit.objects.filter(user=analyst).update(
        seen_at=timezone.now() - dt.timedelta(hours=2)
    )
    naval = Layer.objects.get(kind__slug="naval")
    edit_as(bob, naval, area="Black Sea ports")
    edit_as(analyst, Layer.objects.get(kind__slug="air"), area="The line")  # her own: not listed
    changed = section(analyst_client.get(URL).content.decode(), "changed")
    assert "Coalition of the willing" in changed and "by Bob Editor" in changed
    assert "layers (1 change)" in changed
    assert f'href="/proposals/{COALITION}/history/"' in changed
    assert "Alice" not in changed

    # Within the same visit the list stays; the next visit starts where this one ended.
    assert "by Bob Editor" in section(analyst_client.get(URL).content.decode(), "changed")
    Layer.history.filter(id=naval.pk).update(history_date=timezone.now() - dt.timedelta(hours=3))
    WorkspaceVisit.objects.filter(user=analyst).update(
        seen_at=timezone.now() - dt.timedelta(hours=2)
    )
    changed = section(analyst_client.get(URL).content.decode(), "changed")
    assert "Nobody else has changed anything since." in changed


def test_imports_not_yet_applied_are_listed_with_their_preview(analyst, analyst_client, bob, db):
    content = (
        b"slug,title,status,proponents,summary,first_reported,layer_kinds,preconditions_met,"
        b"preconditions_total,updated_at,url\nnew-plan,A new plan,floated,,,,,,,,\n"
    )
    mine = ImportBatch.objects.create(
        kind="proposals", filename="mine.csv", content=content, uploaded_by=analyst
    )
    ImportBatch.objects.create(kind="proposals", filename="bobs.csv", content=b"", uploaded_by=bob)
    ImportBatch.objects.create(
        kind="proposals",
        filename="done.csv",
        content=b"",
        uploaded_by=analyst,
        applied_at=timezone.now(),
    )
    queue = section(analyst_client.get(URL).content.decode(), "imports")
    assert f'href="/import/{mine.pk}/">mine.csv</a>' in queue
    assert "bobs.csv" not in queue and "done.csv" not in queue
    preview = analyst_client.get(f"/import/{mine.pk}/").content.decode()
    assert "<td>new-plan</td><td>create</td>" in preview
    assert "have changed since you uploaded it" in preview  # the upload saw no versions


# Bulk actions ------------------------------------------------------------------------------------


def test_a_conflict_leaves_its_row_untouched_and_applies_the_others(analyst_client, bob, seeded):
    un, coalition = (Proposal.objects.get(slug=slug) for slug in (UN, COALITION))
    seen = rows(un, coalition)
    edit_as(bob, Proposal.objects.get(pk=un.pk), title="UN mission, renamed")

    response = analyst_client.post(BULK, {"action": "review", **seen}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "done for 1 of 2 proposals; 1 left untouched" in html
    assert "was changed meanwhile by Bob Editor: left as it is" in html
    assert "<strong>Title</strong>: <del>UN peacekeeping mission" in html
    assert "<ins>UN mission, renamed</ins>" in html
    assert Proposal.objects.get(pk=un.pk).reviewed_at is None
    assert Proposal.objects.get(pk=coalition.pk).reviewed_at is not None
    assert 'id="bulk-summary" class="bulk-summary" role="status" tabindex="-1" autofocus' in html


def test_a_deleted_row_is_reported(analyst_client, seeded):
    un = Proposal.objects.get(slug=UN)
    seen = rows(un)
    un.delete()
    html = analyst_client.post(BULK, {"action": "publish", **seen}, **HTMX).content.decode()
    assert "was deleted meanwhile" in html


def test_set_status_asks_for_the_day_and_a_citation(analyst_client, seeded):
    un = Proposal.objects.get(slug=UN)
    response = analyst_client.post(BULK, {"action": "status", **rows(un)}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was changed." in html
    assert "Choose the new status." in html and "Choose the source" in html
    assert Proposal.objects.get(pk=un.pk).status == "floated"

    not_verbatim = {
        "action": "status",
        "status": "shelved",
        "changed_on": "2025-06-01",
        "source": Source.objects.get().pk,
        "citation_kind": "quote",
        "citation_text": "the mission was shelved",
        **rows(un),
    }
    response = analyst_client.post(BULK, not_verbatim, **HTMX)
    assert response.status_code == 422
    assert "These words are not in the source" in response.content.decode()

    future = not_verbatim | {"changed_on": "2999-01-01", "citation_text": "no such mission"}
    assert analyst_client.post(BULK, future, **HTMX).status_code == 422


def test_set_status_records_a_cited_status_change_per_row(analyst_client, seeded):
    un, coalition = (Proposal.objects.get(slug=slug) for slug in (UN, COALITION))
    data = {
        "action": "status",
        "status": "shelved",
        "changed_on": "2025-06-01",
        "note": "Talks stalled.",
        "source": Source.objects.get().pk,
        "citation_kind": "paraphrase",
        "citation_text": "Neither plan went further.",
        **rows(un, coalition),
    }
    response = analyst_client.post(BULK, data)  # without JavaScript
    assert response.status_code == 302
    html = analyst_client.get(URL).content.decode()
    assert "Set status: done for 2 of 2 proposals." in html
    assert "shelved since 1 June 2025" in html
    for proposal in (un, coalition):
        change = StatusChange.objects.get(proposal=proposal, changed_on=dt.date(2025, 6, 1))
        assert (change.status, change.note) == ("shelved", "Talks stalled.")
        assert Proposal.objects.get(pk=proposal.pk).status == "shelved"
        citation = Citation.objects.get(status_change=change)
        assert (citation.kind, citation.text) == ("paraphrase", "Neither plan went further.")


def test_an_earlier_dated_status_is_recorded_but_the_later_one_stays_in_force(
    analyst_client, seeded
):
    un = Proposal.objects.get(slug=UN)
    data = {
        "action": "status",
        "status": "under_discussion",
        "changed_on": "2025-01-01",
        "source": Source.objects.get().pk,
        "citation_kind": "quote",
        "citation_text": "no such mission is yet planned",
        **rows(un),
    }
    html = analyst_client.post(BULK, data, **HTMX).content.decode()
    assert "a later change keeps it floated" in html
    assert Proposal.objects.get(pk=un.pk).status == "floated"


@pytest.mark.parametrize(
    "data",
    [
        {"action": "review", "proposals": ["abc"]},
        {"action": "review", "proposals": ["1"]},  # no version
        {"action": "review", "proposals": ["1"], "version-1": "x"},
        {"action": "explode", "proposals": ["1"], "version-1": "1"},
        {"action": "review"},
        {"action": "review", "proposals": ["99999999999999999999"], "version-1": "1"},
    ],
)
def test_bad_input_is_a_clear_422_and_changes_nothing(analyst_client, seeded, data):
    before = list(Proposal.objects.values_list("pk", "version"))
    response = analyst_client.post(BULK, data, **HTMX)
    assert response.status_code == 422
    assert "Nothing was changed." in response.content.decode()
    assert list(Proposal.objects.values_list("pk", "version")) == before


def test_at_most_200_rows_at_a_time(analyst_client, db):
    data = {"action": "review", "proposals": [str(n) for n in range(1, 202)]}
    data |= {f"version-{n}": "1" for n in range(1, 202)}
    response = analyst_client.post(BULK, data, **HTMX)
    assert response.status_code == 422
    assert "Choose at most 200 proposals at a time." in response.content.decode()


# Speed ----------------------------------------------------------------------------------------------


def test_the_workspace_issues_the_same_queries_however_many_items_wait(
    analyst, analyst_client, bob, seeded
):
    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            ProposalFactory(slug=f"draft-{i}", title=f"Draft {i}", is_published=False)
            published = ProposalFactory(slug=f"plan-{i}", title=f"Plan {i}")
            LayerFactory(proposal=published)  # an unsourced claim
            PositionFactory(proposal=published, actor=Actor.objects.get(slug="france"))
            edit_as(bob, published, summary=f"Changed by Bob {i}")
            ImportBatch.objects.create(
                kind="proposals", filename=f"f{i}.csv", content=b"", uploaded_by=analyst
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert analyst_client.get(URL).status_code == 200
        return len(queries)

    add(1, 0)
    few = count()
    add(25, 1)
    assert count() == few


def test_applying_with_nothing_ticked_says_so(analyst_client, seeded):
    response = analyst_client.post(BULK, {"action": "publish"}, **HTMX)
    assert response.status_code == 422
    assert "Tick at least one proposal." in response.content.decode()
