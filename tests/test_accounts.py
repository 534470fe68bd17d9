import io
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from proposals.models import is_analyst

from .factories import full_proposal

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
        call_command("createanalyst", "olena", name="Olena Analyst")
    assert not get_user_model().objects.filter(username="olena").exists()


def test_createanalyst_asks_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("ANALYST_PASSWORD", raising=False)
    answers = iter(["a-long-enough-passphrase", "a-different-passphrase"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="do not match"):
        call_command("createanalyst", "olena", name="Olena Analyst")


class Terminal(io.StringIO):
    """Standard input as a person at a terminal has it."""

    def isatty(self) -> bool:
        return True


def test_createanalyst_asks_a_person_at_a_terminal_for_the_full_name(monkeypatch):
    monkeypatch.setenv("ANALYST_PASSWORD", "a-long-enough-passphrase")
    prompts = []
    monkeypatch.setattr(
        "builtins.input", lambda prompt: prompts.append(prompt) or " Olena  Kovalenko "
    )
    call_command("createanalyst", "olena", stdin=Terminal(), stdout=io.StringIO())
    assert prompts == ["Full name (shown in the public change history): "]
    assert get_user_model().objects.get(username="olena").get_full_name() == "Olena Kovalenko"


def test_createanalyst_refuses_an_empty_name_at_a_terminal(monkeypatch):
    monkeypatch.setenv("ANALYST_PASSWORD", "a-long-enough-passphrase")
    monkeypatch.setattr("builtins.input", lambda prompt: "   ")
    with pytest.raises(CommandError, match="The name cannot be empty"):
        call_command("createanalyst", "olena", stdin=Terminal())
    assert not get_user_model().objects.filter(username="olena").exists()


def test_createanalyst_in_a_script_needs_the_name_given_with_name(monkeypatch):
    monkeypatch.setenv("ANALYST_PASSWORD", "a-long-enough-passphrase")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("a script was asked"))
    with pytest.raises(CommandError, match="full name with --name"):
        call_command("createanalyst", "olena", stdin=io.StringIO())
    with pytest.raises(CommandError, match="full name with --name"):
        call_command("createanalyst", "olena", name="  ", stdin=io.StringIO())
    assert not get_user_model().objects.filter(username="olena").exists()


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


IDLE = timedelta(hours=8)


def sign_in(client):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "analyst-pass-2025"}
    )
    assert response.status_code == 302
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def signed_in(client) -> bool:
    return "Sign out" in client.get("/proposals/").content.decode()


def test_sessions_end_after_eight_idle_hours_by_default():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_the_idle_hours_come_from_the_environment(monkeypatch):
    settings_file = Path(settings.BASE_DIR) / "config" / "settings.py"
    monkeypatch.setenv("DJANGO_SESSION_IDLE_HOURS", "1.5")
    assert runpy.run_path(str(settings_file))["SESSION_COOKIE_AGE"] == 90 * 60
    monkeypatch.setenv("DJANGO_SESSION_IDLE_HOURS", "")
    assert runpy.run_path(str(settings_file))["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    monkeypatch.setenv("DJANGO_SESSION_IDLE_HOURS", "0")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SESSION_IDLE_HOURS"):
        runpy.run_path(str(settings_file))


def test_an_analyst_idle_for_more_than_eight_hours_is_signed_out(client, analyst):
    session = sign_in(client)
    assert signed_in(client)
    # The last request was 8 hours and a second ago: the session expired a second ago.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/proposals/")
    assert "Sign in" in response.content.decode()
    assert response.cookies["sessionid"].value == ""  # the browser drops the stale cookie
    assert client.get("/proposals/new/").status_code == 302  # to the sign-in page
    assert "_auth_user_id" not in client.session


def test_activity_within_eight_hours_keeps_an_analyst_signed_in(client, analyst):
    session = sign_in(client)
    # Seven hours idle: one hour left.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(hours=1))
    before = timezone.now()
    response = client.get("/proposals/")
    assert "Sign out" in response.content.decode()
    # The request moved the expiry a full 8 hours ahead again, in the database and the cookie.
    session.refresh_from_db()
    assert before + IDLE <= session.expire_date <= timezone.now() + IDLE
    assert response.cookies["sessionid"]["max-age"] == IDLE.total_seconds()
    # So seven more idle hours, 14 after signing in, still find the analyst signed in.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(hours=1))
    assert signed_in(client)


def test_readers_who_are_not_signed_in_get_no_session_and_no_cookie(client, analyst):
    proposal = full_proposal()
    detail = proposal.get_absolute_url()
    pages = ["/", "/proposals/", detail, f"{detail}history/", "/accounts/login/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "sessionid" not in response.cookies, url
    # A failed sign-in starts no session either.
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
