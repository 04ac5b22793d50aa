"""Guessing passwords or tokens is slowed down: lockouts with a clear message, then recovery."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from procure.accounts.services import token_create
from procure.api.authentication import TokenFailureThrottle
from tests import factories as f
from tests.support.figures import add_to_figure, record_figure

pytestmark = [pytest.mark.abuse, pytest.mark.django_db]
SUITE = "login throttling"
PASSWORD = "correct horse battery"
LIMIT = settings.AXES_FAILURE_LIMIT
OFFICE, ELSEWHERE = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def alice():
    user = f.UserFactory(username="alice")
    user.save()
    return user


def log_in(username: str, password: str, address: str = OFFICE):
    return Client().post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(times: int, username: str = "alice", address: str = OFFICE) -> None:
    for _ in range(times):
        response = log_in(username, "wrong password", address)
        assert response.status_code in (200, 429)
    add_to_figure(SUITE, "failed logins sent", times)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_repeated_failures_for_one_username_lock_it_even_with_the_right_password(alice):
    fail(LIMIT, address=OFFICE)

    # From another address too: the account itself is paused.
    refused = log_in("alice", PASSWORD, address=ELSEWHERE)

    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many failed logins" in body
    assert f"After {LIMIT} failed attempts" in body and "15 min 00 s" in body
    assert not logged_in(refused)
    add_to_figure(SUITE, "logins refused during a lockout")
    record_figure(SUITE, "failures before a lockout", LIMIT)
    record_figure(
        SUITE, "lockout window (minutes)", settings.AXES_COOLOFF_TIME.total_seconds() / 60
    )


def test_fewer_failures_than_the_limit_do_not_lock(alice):
    fail(LIMIT - 1)

    assert logged_in(log_in("alice", PASSWORD))


def test_a_success_starts_the_count_again(alice):
    fail(LIMIT - 1)
    assert logged_in(log_in("alice", PASSWORD))
    fail(LIMIT - 1)

    assert logged_in(log_in("alice", PASSWORD))


def test_failures_from_one_address_lock_that_address_for_every_username(alice):
    for number in range(LIMIT):
        fail(1, username=f"guess{number}", address=OFFICE)

    assert log_in("alice", PASSWORD, address=OFFICE).status_code == 429
    assert logged_in(log_in("alice", PASSWORD, address=ELSEWHERE))
    add_to_figure(SUITE, "logins refused during a lockout")


def test_the_right_password_works_again_once_the_window_has_passed(alice):
    fail(LIMIT)
    assert log_in("alice", PASSWORD).status_code == 429

    # The window runs from the failures: move them back in time past it.
    window = settings.AXES_COOLOFF_TIME
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - window - timedelta(seconds=1)
        )

    assert logged_in(log_in("alice", PASSWORD))


def test_the_admin_login_is_locked_the_same_way(alice):
    client = Client()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "alice", "password": "nope"}, REMOTE_ADDR=OFFICE)

    response = log_in("alice", PASSWORD, address=ELSEWHERE)

    assert response.status_code == 429


# --- API tokens ---------------------------------------------------------------------------------

TOKEN_LIMIT = TokenFailureThrottle().num_requests


def api_get(key: str, address: str = OFFICE):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/organizations/", REMOTE_ADDR=address)


def test_an_address_sending_bad_tokens_is_throttled_then_recovers(alice, monkeypatch):
    good = token_create(user=alice, name="script").key
    for _ in range(TOKEN_LIMIT):
        assert api_get("prc_guessed").status_code == 401
    add_to_figure(SUITE, "bad tokens sent", TOKEN_LIMIT)

    throttled = api_get("prc_guessed")
    # While throttled, even a good key from that address waits: a guess that happened to be
    # right must not be told so.
    waiting = api_get(good)
    elsewhere = api_get(good, address=ELSEWHERE)

    assert throttled.status_code == 429 and waiting.status_code == 429
    assert "Too many requests with an invalid token" in throttled.json()["detail"]
    assert int(throttled["Retry-After"]) > 0
    assert elsewhere.status_code == 200
    add_to_figure(SUITE, "token requests refused while throttled", 2)
    record_figure(SUITE, "bad tokens before throttling (per minute)", TOKEN_LIMIT)

    later = TokenFailureThrottle.timer() + TokenFailureThrottle().duration + 1
    monkeypatch.setattr(TokenFailureThrottle, "timer", staticmethod(lambda: later))

    assert api_get(good).status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(alice):
    good = token_create(user=alice, name="script").key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token prc_guessed")
    for number in range(TOKEN_LIMIT):
        client.get(
            "/api/v1/organizations/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"
        )

    assert api_get(good).status_code == 429
