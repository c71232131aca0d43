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
