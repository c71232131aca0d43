"""Repeated wrong passwords lock the username out from that address, on the login page, the
admin login and the API token endpoint: a clear page or a JSON 429, never a 500; the right
password does not get through while locked; the lock is per username."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def test_the_login_page_locks_after_repeated_wrong_passwords(client, manager):
    for _ in range(LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "manager", "password": "x"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/accounts/login/", {"username": "manager", "password": "x"})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    right = client.post("/accounts/login/", {"username": "manager", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_username_is_not_locked(client, manager):
    UserFactory(username="other", role="sales")
    for _ in range(LIMIT):
        client.post("/accounts/login/", {"username": "manager", "password": "x"})
    response = client.post("/accounts/login/", {"username": "other", "password": PASSWORD})
    assert response.status_code == 302


def test_the_token_endpoint_locks_with_a_json_429(manager):
    api = APIClient()
    for _ in range(LIMIT - 1):
        response = api.post("/api/v1/auth/token/", {"username": "manager", "password": "x"})
        assert response.status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": "manager", "password": "x"})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    right = api.post("/api/v1/auth/token/", {"username": "manager", "password": PASSWORD})
    assert right.status_code == 429


def test_the_admin_login_locks_too(client, admin_user):
    for _ in range(LIMIT):
        response = client.post("/admin/login/", {"username": "admin", "password": "x"})
    assert response.status_code == 429


def test_a_right_password_before_the_limit_resets_the_count(client, manager):
    for _ in range(LIMIT - 1):
        client.post("/accounts/login/", {"username": "manager", "password": "x"})
    assert (
        client.post("/accounts/login/", {"username": "manager", "password": PASSWORD}).status_code
        == 302
    )
    client.logout()
    for _ in range(LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "manager", "password": "x"})
    assert response.status_code == 200
