"""Password guessing: django-axes locks a username out from one address after 5 failures, and an
address out, for every username, after 20 failures whatever the usernames (password spraying)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from .html_guard import inline_code

pytestmark = pytest.mark.django_db

RIGHT = "analyst-pass-2025"


def sign_in(client, password, username="alice", path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def guess(client, times=5, **extra):
    return [sign_in(client, f"guess-{n}", **extra).status_code for n in range(times)]


SPRAYER = "192.0.2.66"  # not a proxy, so its own address counts
PER_ADDRESS = 20


def spray(client, usernames, address=SPRAYER, password="Summer2025!", path="/accounts/login/"):
    """One password against each username, from one address."""
    return [
        sign_in(client, password, username=username, path=path, REMOTE_ADDR=address).status_code
        for username in usernames
    ]


def test_the_limits_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]
    assert settings.LOGIN_FAILURE_LIMITS == {("ip_address",): PER_ADDRESS}
    assert settings.AXES_HANDLER == "config.throttling.PerParameterLimitHandler"


def test_four_failures_only_show_the_form_again(client, analyst):
    assert guess(client, times=4) == [200] * 4
    assert sign_in(client, RIGHT).status_code == 302


def test_the_fifth_failure_locks_out_even_the_right_password(client, analyst):
    assert guess(client) == [200, 200, 200, 200, 429]
    response = sign_in(client, RIGHT)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    html = response.content.decode()
    assert "Too many sign-in attempts" in html
    assert "paused for 15 minutes, even with the right password" in html
    assert inline_code(html) == []
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_locked_too(client, analyst):
    guess(client)
    assert sign_in(client, RIGHT, path="/admin/login/?next=/admin/").status_code == 429


def test_the_lockout_is_for_that_username_from_that_address_only(
    client, analyst, django_user_model
):
    django_user_model.objects.create_user("bob", password="bobs-pass-2025")
    guess(client)
    assert sign_in(client, "bobs-pass-2025", username="bob").status_code == 302
    client.logout()
    assert sign_in(client, RIGHT, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_the_lockout_expires_after_fifteen_minutes(client, analyst):
    guess(client)
    assert sign_in(client, RIGHT).status_code == 429
    # Fifteen minutes and a second pass without a further attempt.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert sign_in(client, RIGHT).status_code == 302
    # A success clears the count, so the next mistakes start again from zero.
    client.logout()
    assert guess(client, times=4) == [200] * 4


def test_fourteen_minutes_are_not_enough(client, analyst):
    guess(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client, RIGHT).status_code == 429


def test_a_made_up_x_forwarded_for_does_not_dodge_the_lockout(client, analyst):
    """A client that reaches the app server directly, not through the proxy, writes its own
    X-Forwarded-For: it is ignored, and its connection's address counts."""
    codes = [
        sign_in(
            client, "guess", REMOTE_ADDR="192.0.2.77", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.77"}


@override_settings(PROXY_COUNT=0)
def test_with_no_proxy_counted_the_header_is_ignored_even_from_the_proxy(client, analyst):
    codes = [
        sign_in(client, "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_attempts_during_a_lockout_do_not_prolong_it(client, analyst):
    guess(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    # Five more tries, the right password among them, ten minutes into the lockout.
    assert guess(client) == [429] * 5
    assert sign_in(client, RIGHT).status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 5
    # So it still ends fifteen minutes after it began.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert sign_in(client, RIGHT).status_code == 302


def test_behind_one_proxy_the_address_the_proxy_saw_counts(client, analyst):
    assert settings.PROXY_COUNT == 1  # the default: make serve runs behind one proxy

    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    def through_proxy(seen, password="guess", spoof="198.51.100.1"):
        return sign_in(
            client,
            password,
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{spoof}, {seen}",
        ).status_code

    codes = [through_proxy("203.0.113.5", spoof=f"198.51.100.{n}") for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert through_proxy("203.0.113.5", password=RIGHT) == 429
    # Another reader behind the same proxy is not locked out.
    assert through_proxy("203.0.113.6", password=RIGHT) == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_one_address_spraying_one_password_over_many_usernames_is_locked_out(client, analyst):
    usernames = [f"user-{n}" for n in range(PER_ADDRESS)]
    assert spray(client, usernames) == [200] * (PER_ADDRESS - 1) + [429]
    # Every username is locked from there now, even one it never tried, with the right password,
    # and on the admin's form too.
    response = sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert spray(client, ["alice"], password=RIGHT, path="/admin/login/?next=/admin/") == [429]
    # Refused attempts are not counted: 20 failures, one for each username tried.
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == PER_ADDRESS
    # Another address is not affected.
    assert sign_in(client, RIGHT, REMOTE_ADDR="192.0.2.67").status_code == 302


def test_failures_from_one_address_add_up_across_usernames_and_tries(client, analyst):
    """Four tries at each of five usernames: no pair reaches 5, the address reaches 20."""
    usernames = [f"user-{n}" for n in range(5)]
    codes = [spray(client, usernames, password=f"guess-{n}") for n in range(4)]
    assert codes[:3] == [[200] * 5] * 3
    assert codes[3] == [200, 200, 200, 200, 429]
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 429


def test_nineteen_failures_from_one_address_lock_no_other_username(client, analyst):
    assert spray(client, [f"user-{n}" for n in range(PER_ADDRESS - 1)]) == [200] * 19
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 302


def test_a_success_from_the_address_does_not_clear_its_count(client, analyst):
    """A sign-in clears its own username's failures only: knowing one password does not let a
    sprayer start again from zero."""
    assert spray(client, [f"user-{n}" for n in range(PER_ADDRESS - 1)]) == [200] * 19
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 302
    client.logout()
    assert spray(client, ["user-19"]) == [429]
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 429


def test_a_success_still_clears_its_own_usernames_failures(client, analyst):
    assert spray(client, ["alice"] * 4) == [200] * 4
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    client.logout()
    assert spray(client, ["alice"] * 4) == [200] * 4


def test_the_address_lockout_expires_after_fifteen_minutes(client, analyst):
    spray(client, [f"user-{n}" for n in range(PER_ADDRESS)])
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert sign_in(client, RIGHT, REMOTE_ADDR=SPRAYER).status_code == 302


def test_behind_the_proxy_spraying_locks_out_the_address_the_proxy_saw(client, analyst):
    def through_proxy(seen, username, password="Summer2025!"):
        return sign_in(
            client,
            password,
            username=username,
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{len(username)}, {seen}",
        ).status_code

    codes = [through_proxy("203.0.113.5", f"user-{n}") for n in range(PER_ADDRESS)]
    assert codes == [200] * (PER_ADDRESS - 1) + [429]
    assert through_proxy("203.0.113.5", "alice", password=RIGHT) == 429
    # Another reader behind the same proxy is not locked out.
    assert through_proxy("203.0.113.6", "alice", password=RIGHT) == 302
