"""No analyst's save silently overwrites another's."""

import threading

import pytest
from django.db import connection
from django.test import Client

from proposals.models import Layer, Proposal

from .conftest import HTMX
from .factories import LayerFactory, ProposalFactory, layer_kind

COALITION = "coalition-of-the-willing-security-concept"
URL = f"/proposals/{COALITION}/layers/naval/edit/"


def naval() -> Layer:
    return Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")


def form(area: str, version: int) -> dict:
    return {"description": "Naval units oversee navigation.", "area": area, "version": version}


@pytest.mark.django_db
def test_stale_save_returns_409_and_changes_nothing(analyst_client, bob, seeded):
    opened = naval().version
    other = Client()
    other.force_login(bob)
    assert other.post(URL, form("Black Sea ports", opened), **HTMX).status_code == 200

    response = analyst_client.post(URL, form("Sea of Azov", opened), **HTMX)
    assert response.status_code == 409
    assert naval().area == "Black Sea ports"
    html = response.content.decode()
    assert "Bob Editor saved a change" in html
    assert "<del>Black Sea</del> → <ins>Black Sea ports</ins>" in html
    assert 'value="Sea of Azov"' in html  # the analyst's input, kept
    assert f'name="version" value="{opened + 1}"' in html  # now based on the current version


@pytest.mark.django_db
def test_after_a_conflict_the_analyst_can_reapply_deliberately(analyst_client, bob, seeded):
    opened = naval().version
    other = Client()
    other.force_login(bob)
    other.post(URL, form("Black Sea ports", opened))
    analyst_client.post(URL, form("Sea of Azov", opened))
    assert naval().area == "Black Sea ports"
    assert analyst_client.post(URL, form("Sea of Azov", opened + 1)).status_code == 302
    assert naval().area == "Sea of Azov"


@pytest.mark.django_db
def test_stale_delete_returns_409_and_keeps_the_layer(analyst_client, bob, seeded):
    opened = naval().version
    other = Client()
    other.force_login(bob)
    other.post(URL, form("Black Sea ports", opened))
    response = analyst_client.post(
        f"/proposals/{COALITION}/layers/naval/delete/", {"version": opened}, **HTMX
    )
    assert response.status_code == 409
    assert naval().area == "Black Sea ports"
    html = response.content.decode()
    assert "Bob Editor saved a change" in html
    assert "<del>Black Sea</del> → <ins>Black Sea ports</ins>" in html
    assert f'name="version" value="{opened + 1}"' in html  # confirming again deletes their version


@pytest.mark.django_db
def test_stale_status_change_returns_409(analyst_client, bob, seeded):
    url = "/proposals/un-peacekeeping-mission/preconditions/russian-consent/status/"
    other = Client()
    other.force_login(bob)
    other.post(url, {"status": "in_progress", "version": 1})
    response = analyst_client.post(url, {"status": "met", "version": 1}, **HTMX)
    assert response.status_code == 409
    assert "In progress" in response.content.decode()


@pytest.mark.django_db
def test_saving_a_layer_deleted_meanwhile_says_so(analyst_client, seeded):
    opened = naval().version
    naval().delete()
    response = analyst_client.post(URL, form("Sea of Azov", opened), **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Already deleted" in html
    assert "someone deleted this in the meantime, so there is nothing left to save" in html
    assert Layer.objects.filter(kind__slug="naval", proposal__slug=COALITION).count() == 0
    # A layer that never existed is simply not found.
    never = f"/proposals/{COALITION}/layers/no-such-kind/edit/"
    assert analyst_client.post(never, form("x", 1), **HTMX).status_code == 404


@pytest.mark.django_db
def test_admin_refuses_a_stale_save(client, django_user_model, seeded):
    from proposals.models import Proposal

    admin = django_user_model.objects.create_superuser("root", "", "pw-long-enough")
    client.force_login(admin)
    proposal = Proposal.objects.get(slug="un-peacekeeping-mission")
    Proposal.objects.filter(pk=proposal.pk).update(version=proposal.version + 1)
    response = client.post(
        f"/admin/proposals/proposal/{proposal.pk}/change/",
        {
            "title": "Overwritten",
            "status": "floated",
            "summary": "x",
            "version": proposal.version,
            "layers-TOTAL_FORMS": 0,
            "layers-INITIAL_FORMS": 0,
            "preconditions-TOTAL_FORMS": 0,
            "preconditions-INITIAL_FORMS": 0,
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "positions-TOTAL_FORMS": 0,
            "positions-INITIAL_FORMS": 0,
            "relations-TOTAL_FORMS": 0,
            "relations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "changed this proposal after you opened it" in html
    assert 'value="Overwritten"' in html  # the analyst's input is kept
    assert Proposal.objects.get(pk=proposal.pk).title != "Overwritten"


def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "root", "", "pw-long-enough", first_name="Root", last_name="Admin"
    )
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_admin_refuses_a_stale_inline_layer_and_keeps_the_input(
    client, django_user_model, bob, seeded
):
    admin = admin_client(client, django_user_model)
    proposal = Proposal.objects.get(slug=COALITION)
    layer = naval()
    other = Client()
    other.force_login(bob)
    other.post(URL, form("Black Sea ports", layer.version))
    data = {
        "title": proposal.title,
        "status": proposal.status,
        "summary": proposal.summary,
        "version": proposal.version,
        "layers-TOTAL_FORMS": 1,
        "layers-INITIAL_FORMS": 1,
        "layers-0-id": layer.pk,
        "layers-0-proposal": proposal.pk,
        "layers-0-kind": layer.kind_id,
        "layers-0-description": layer.description,
        "layers-0-area": "Sea of Azov",
        "layers-0-version": layer.version,
    }
    for prefix in ("preconditions", "citations", "positions", "relations"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = admin.post(f"/admin/proposals/proposal/{proposal.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bob Editor changed this layer after you opened it (" in html
    assert "Area: Black Sea → Black Sea ports" in html
    assert 'value="Sea of Azov"' in html
    assert naval().area == "Black Sea ports"


@pytest.mark.django_db
def test_admin_saves_go_through_the_write_path(client, django_user_model, seeded):
    from proposals.models import DataVersion

    admin = admin_client(client, django_user_model)
    layer = naval()
    before = DataVersion.current()
    response = admin.post(
        f"/admin/proposals/layer/{layer.pk}/change/",
        {
            "proposal": layer.proposal_id,
            "kind": layer.kind_id,
            "description": layer.description,
            "area": "Azov",
            "version": layer.version,
            "citations-TOTAL_FORMS": 0,
            "citations-INITIAL_FORMS": 0,
            "commitments-TOTAL_FORMS": 0,
            "commitments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert naval().area == "Azov"
    assert naval().version == layer.version + 1
    assert naval().history.latest("history_date").history_user.get_full_name() == "Root Admin"
    assert DataVersion.current() == before + 1  # raised once, at the end of the change


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_leave_one_winner_and_one_409(contract_data, analyst, bob):
    opened = naval().version
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def save(user, area):
        client = Client()
        client.force_login(user)
        barrier.wait()
        results[area] = client.post(URL, form(area, opened), **HTMX).status_code
        connection.close()

    threads = [
        threading.Thread(target=save, args=(analyst, "Sea of Azov")),
        threading.Thread(target=save, args=(bob, "Black Sea ports")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results.values()) == [200, 409]
    winner = next(area for area, status in results.items() if status == 200)
    layer = naval()
    assert layer.area == winner
    assert layer.version == opened + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_eighty_mixed_saves_by_two_analysts_lose_nothing_and_never_deadlock(
    contract_data, analyst, bob
):
    """8 threads, two analysts, 80 saves of one proposal's header and of one of its layers: each
    save is either applied or refused with 409, and the history holds exactly the applied ones."""
    proposal = ProposalFactory(slug="busy-plan", is_published=True)
    layer = LayerFactory(proposal=proposal, kind=layer_kind("naval"), area="start")
    urls = {
        "header": "/proposals/busy-plan/edit/",
        "layer": "/proposals/busy-plan/layers/naval/edit/",
    }
    start = {"header": proposal.version, "layer": layer.version}
    barrier = threading.Barrier(8)
    results: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        client = Client(raise_request_exception=False)  # a 500 or 503 is a status, as for a user
        client.force_login(analyst if n % 2 else bob)
        barrier.wait()
        for i in range(10):
            target = "header" if (n + i) % 2 else "layer"
            text = f"thread {n} save {i}"
            if target == "header":
                current = Proposal.objects.get(pk=proposal.pk)
                data = {"title": current.title, "status": "floated", "summary": text}
            else:
                current = Layer.objects.get(pk=layer.pk)
                data = {"description": current.description, "area": text}
            data["version"] = current.version
            status = client.post(urls[target], data, **HTMX).status_code
            with lock:
                results.append((target, text, status))
        connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 80
    assert {status for _, _, status in results} <= {200, 409}, results
    saved = {
        target: [text for t, text, status in results if t == target and status == 200]
        for target in ("header", "layer")
    }
    assert saved["header"] and saved["layer"]
    for target, model, field in [("header", Proposal, "summary"), ("layer", Layer, "area")]:
        record = model.objects.get(pk=proposal.pk if model is Proposal else layer.pk)
        # Every applied save raised the version once: none was based on a version another used.
        assert record.version == start[target] + len(saved[target])
        rows = list(record.history.filter(version__gt=start[target]).order_by("version"))
        assert sorted(getattr(row, field) for row in rows) == sorted(saved[target])
        assert [row.version for row in rows] == list(range(start[target] + 1, record.version + 1))
        # The text on file is the last applied save's.
        assert getattr(record, field) == getattr(rows[-1], field)


@pytest.mark.django_db
def test_a_stale_citation_removal_is_refused(analyst_client, seeded):
    from proposals.models import Citation

    citation = Citation.objects.get(
        text="no such mission is yet planned", proposal__slug="un-peacekeeping-mission"
    )
    opened = citation.version
    citation.speaker = "A spokesperson"
    citation.save()
    url = f"/proposals/un-peacekeeping-mission/citations/{citation.pk}/delete/"
    response = analyst_client.post(url, {"version": opened}, **HTMX)
    assert response.status_code == 409
    assert "<ins>A spokesperson</ins>" in response.content.decode()
    assert Citation.objects.filter(pk=citation.pk).exists()
    assert analyst_client.post(url, {"version": opened + 1}, **HTMX).status_code == 200
    assert not Citation.objects.filter(pk=citation.pk).exists()


@pytest.mark.django_db
def test_the_write_path_refuses_a_record_deleted_meanwhile(analyst, seeded):
    from proposals import writes

    stale = naval()
    naval().delete()
    with pytest.raises(writes.Conflict) as refused:
        writes.save(stale, stale.version, analyst, stale.save)
    assert refused.value.current is None
    with pytest.raises(writes.Conflict):
        writes.delete(stale, stale.version, analyst)


@pytest.mark.django_db
def test_deleting_a_precondition_deleted_meanwhile_says_so(analyst_client, seeded):
    from proposals.models import Precondition

    url = "/proposals/un-peacekeeping-mission/preconditions/russian-consent/delete/"
    Precondition.objects.get(slug="russian-consent").delete()
    response = analyst_client.post(url, {"version": 1}, **HTMX)
    assert response.status_code == 409
    assert "someone deleted this in the meantime" in response.content.decode()
    full_page = analyst_client.post(url, {"version": 1})
    assert full_page.status_code == 409
    assert "<title>Already deleted · " in full_page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a second connection's lock")
@pytest.mark.django_db(transaction=True)
def test_two_creations_with_one_address_give_a_409_not_a_500(contract_data, analyst):
    """The form's check passes for both; the database's unique index refuses the second."""
    from django.db import connections, transaction

    inserted, done = threading.Event(), threading.Event()

    def other_analyst_creates_it() -> None:
        with transaction.atomic():
            ProposalFactory(slug="race-plan", title="First")
            inserted.set()
            # Commit only once the view's insert is waiting on this one's row.
            with connections["default"].cursor() as cursor:
                for _ in range(200):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                    if cursor.fetchone()[0]:
                        break
                    done.wait(0.05)
        connection.close()

    thread = threading.Thread(target=other_analyst_creates_it)
    thread.start()
    inserted.wait(10)
    client = Client(raise_request_exception=False)
    client.force_login(analyst)
    response = client.post(
        "/proposals/new/", {"title": "Second", "slug": "race-plan", "status": "floated"}, **HTMX
    )
    thread.join()
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone created the same record a moment ago" in html
    assert 'value="Second"' in html
    assert list(Proposal.objects.filter(slug="race-plan").values_list("title", flat=True)) == [
        "First"
    ]
