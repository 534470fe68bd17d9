import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from proposals.models import is_analyst

pytestmark = pytest.mark.django_db


def test_the_analysts_group_may_change_everything_in_the_proposals_app_only():
    group = Group.objects.get(name="Analysts")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    for model in ["proposal", "layer", "precondition", "citation", "source", "event", "actor"]:
        for action in ["add", "change", "delete", "view"]:
            assert ("proposals", f"{action}_{model}") in codenames
    assert {app for app, _ in codenames} == {"proposals"}
    assert ("proposals", "change_historicalproposal") not in codenames


def test_createanalyst_creates_a_staff_member_of_the_group(monkeypatch):
    monkeypatch.setenv("ANALYST_PASSWORD", "a-long-enough-passphrase")
    call_command("createanalyst", "olena", name="Olena Analyst", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user = get_user_model().objects.get(username="olena")
    assert user.check_password("a-long-enough-passphrase")
    assert user.is_staff and not user.is_superuser
    assert user.get_full_name() == "Olena Analyst"
    assert is_analyst(user)


def test_createanalyst_refuses_a_weak_password_and_writes_nothing(monkeypatch):
    monkeypatch.setenv("ANALYST_PASSWORD", "123")
    with pytest.raises(CommandError, match="too weak"):
        call_command("createanalyst", "olena")
    assert not get_user_model().objects.filter(username="olena").exists()


def test_createanalyst_asks_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("ANALYST_PASSWORD", raising=False)
    answers = iter(["a-long-enough-passphrase", "a-different-passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="do not match"):
        call_command("createanalyst", "olena")


def test_superusers_count_as_analysts(django_user_model):
    assert is_analyst(django_user_model.objects.create_superuser("root", "", "pw-long-enough"))
    assert not is_analyst(django_user_model.objects.create_user("reader", "", "pw-long-enough"))


def test_an_analyst_signs_in_and_out(client, analyst):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "analyst-pass-2025", "next": "/proposals/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/proposals/"
    assert "Sign out" in client.get("/proposals/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert "Sign in" in client.get("/proposals/").content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, analyst):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_analysts_admin_rights_stay_within_the_proposals_app(client, analyst):
    analyst.is_staff = True
    analyst.save()
    client.force_login(analyst)
    assert client.get("/admin/proposals/proposal/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    assert (
        Permission.objects.filter(group__name="Analysts", content_type__app_label="auth").count()
        == 0
    )
