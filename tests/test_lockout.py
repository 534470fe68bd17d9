"""Password guessing: django-axes locks a username out from one address after 5 failures."""

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


def test_the_limits_are_five_failures_and_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


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
