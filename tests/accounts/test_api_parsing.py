"""A JSON body nested too deeply for Python's parser is a 400 that says so, never a 500: on
the anonymous token endpoint and on an authenticated one."""

import pytest

DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.django_db
def test_a_deeply_nested_body_to_the_token_endpoint_is_a_400(client):
    response = client.post("/api/v1/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_deeply_nested_body_to_an_endpoint_is_a_400(client, manager):
    client.force_login(manager)
    response = client.post("/api/v1/customers/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/api/v1/customers/"])
def test_a_body_over_the_size_limit_is_a_400_in_json_that_says_so(client, manager, url):
    client.force_login(manager)
    body = '{"name": "' + "x" * 3_000_000 + '"}'
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "larger than the 2.5 MB" in response.json()["detail"]
