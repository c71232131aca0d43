"""Signed-in pages, exports and API answers are never kept by a browser or a proxy; every
response says which browser features the pages may use."""

import pytest

from tests.customers.factories import CustomerFactory


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", ["/", "/customers/", "/customers/export/?format=csv"])
def test_signed_in_pages_and_exports_are_not_stored(client, manager, url):
    CustomerFactory()
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert no_store(response)
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_api_answers_are_not_stored(client, manager):
    client.force_login(manager)
    assert no_store(client.get("/api/v1/customers/"))
    client.logout()
    response = client.get("/api/v1/customers/")
    assert response.status_code in (401, 403)
    assert no_store(response)


@pytest.mark.django_db
def test_the_login_page_says_which_features_pages_may_use(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["Permissions-Policy"].startswith("geolocation=(self)")
