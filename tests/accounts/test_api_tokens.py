"""API tokens expire after API_TOKEN_TTL_DAYS and can be rotated by their owner: the old
token stops working at once, the password gives a fresh one."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def with_token(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def obtain(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    return response.json()["token"]


def test_a_token_works_until_it_expires(manager, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    key = obtain(manager)
    assert with_token(key).get("/api/v1/customers/").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=31))
    response = with_token(key).get("/api/v1/customers/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    fresh = obtain(manager)
    assert fresh != key
    assert with_token(fresh).get("/api/v1/customers/").status_code == 200


def test_asking_again_before_expiry_gives_the_same_token(manager):
    assert obtain(manager) == obtain(manager)


def test_without_a_lifetime_a_token_never_expires(manager, settings):
    settings.API_TOKEN_TTL_DAYS = 0
    key = obtain(manager)
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=3650))
    assert with_token(key).get("/api/v1/customers/").status_code == 200


def test_the_owner_rotates_the_token_and_the_old_one_stops_working(salesperson):
    old = obtain(salesperson)
    response = with_token(old).post("/api/v1/auth/token/rotate/")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert with_token(old).get("/api/v1/customers/").status_code == 401
    assert with_token(new).get("/api/v1/customers/").status_code == 200


def test_rotating_needs_a_signed_in_caller():
    assert APIClient().post("/api/v1/auth/token/rotate/").status_code == 401


def test_an_admin_lists_each_users_token_without_its_secret(client, admin_user, salesperson):
    key = obtain(salesperson)
    client.force_login(admin_user)
    page = client.get("/admin/authtoken/tokenproxy/").content.decode()
    assert salesperson.username in page
    assert key[:4] in page and key not in page
    expires = Token.objects.get(key=key).created + datetime.timedelta(days=90)
    assert str(expires.year) in page
    # Tokens are given to their owners for the password, never made or edited here.
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 403


def test_an_admin_revokes_a_token_and_it_stops_working_at_once(client, admin_user, salesperson):
    key = obtain(salesperson)
    assert with_token(key).get("/api/v1/customers/").status_code == 200
    client.force_login(admin_user)
    url = f"/admin/authtoken/tokenproxy/{salesperson.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=salesperson).exists()
    assert with_token(key).get("/api/v1/customers/").status_code == 401


def test_a_manager_cannot_reach_the_tokens(client, manager):
    client.force_login(manager)
    response = client.get("/admin/authtoken/tokenproxy/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
