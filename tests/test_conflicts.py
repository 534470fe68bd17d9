"""No analyst's save silently overwrites another's."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from proposals.models import Layer

from .conftest import HTMX

COALITION = "coalition-of-the-willing-security-concept"
URL = f"/proposals/{COALITION}/layers/naval/edit/"


def naval() -> Layer:
    return Layer.objects.get(proposal__slug=COALITION, kind__slug="naval")


def form(area: str, version: int) -> dict:
    return {"description": "Naval units oversee navigation.", "area": area, "version": version}


@pytest.fixture
def bob(django_user_model):
    user = django_user_model.objects.create_user(
        "bob", password="analyst-pass-2025", first_name="Bob", last_name="Editor"
    )
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


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
        },
    )
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).title != "Overwritten"


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
