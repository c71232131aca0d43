"""The customer form links API (SPEC 4, "customer form links"): a manager or the customer's
salesperson creates a link and gets its address once; the anonymous form at that address
turns every changed field into a proposal of the channel customer_form; afterwards, and for
expired, revoked or made-up tokens, the address answers 404 or 410 and stores nothing.
Every endpoint: the owner works, another salesperson gets 400/404, anonymous is refused, a
wrong method is refused, a salesperson cannot reopen."""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from customerforms.models import FormLink, FormSubmission
from customers.models import Customer
from review.models import Proposal
from tests.customerforms.factories import FormLinkFactory
from tests.customerforms.test_public import fields_of, form_data
from tests.customers.factories import CustomerFactory
from tests.customers.test_api import as_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/customer-forms/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE", name="苏州百货有限公司", phone="0512-1111", salesperson=salesperson
    )


def stored() -> tuple:
    return (
        FormSubmission.objects.count(),
        Proposal.objects.count(),
        Customer.history.count(),
        list(FormLink.objects.values_list("opened_at", "submitted_at")),
    )


# The contract, end to end ------------------------------------------------------------------


def test_a_link_made_by_the_api_takes_the_customers_answers_once(manager, customer):
    response = as_user(manager).post(
        URL, {"customer": customer.pk, "expires_in_days": 7}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "sent"
    assert body["customer"] == customer.pk
    assert isinstance(body["id"], int)
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert datetime.timedelta(days=6, hours=23) < expires - timezone.now()
    url = body["url"]
    assert url.startswith("http://testserver/forms/f/")
    token = urlparse(url).path.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    assert str(customer.pk) != token and customer.code not in token

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    assert page.status_code == 200
    assert {"name", "phone", "address", "credit_code", "industry"} <= set(fields_of(page))

    sent = browser.post(url, form_data(page, phone="0512-2222", industry="零售"))
    assert sent.status_code in (200, 201, 302, 303)

    proposals = as_user(manager).get("/api/v1/proposals/?status=pending").json()["results"]
    assert {(p["field"], p["proposed_value"], p["channel"]) for p in proposals} == {
        ("phone", "0512-2222", "customer_form"),
        ("industry", "零售", "customer_form"),
    }
    source = proposals[0]["source"]
    assert source["type"] == "customerforms.formsubmission"
    assert source["title"].startswith("Customer form submitted on ")
    assert source["author"] == ""

    before = stored()
    assert browser.get(url).status_code in (404, 410)
    assert browser.post(url, form_data(page, phone="0512-3333")).status_code in (404, 410)
    assert stored() == before
    link = as_user(manager).get(f"{URL}{body['id']}/").json()
    assert link["state"] == "submitted"


@pytest.mark.parametrize("how", ["expired", "revoked", "made_up"])
def test_an_expired_revoked_or_made_up_address_answers_404_or_410(manager, customer, how):
    client = as_user(manager)
    body = client.post(URL, {"customer": customer.pk}, format="json").json()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(body["url"])
    url = body["url"]
    if how == "expired":
        FormLink.objects.filter(pk=body["id"]).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif how == "revoked":
        assert client.post(f"{URL}{body['id']}/revoke/").status_code == 200
    else:
        url = url.replace(url.rstrip("/").rsplit("/", 1)[1], "x" * 43)
    before = stored()

    assert browser.get(url).status_code in (404, 410)
    assert browser.post(url, form_data(page, phone="0512-3333")).status_code in (404, 410)
    assert stored() == before


# Creating ----------------------------------------------------------------------------------


def test_the_salesperson_creates_a_link_for_their_customer(salesperson, customer):
    response = as_user(salesperson).post(
        URL,
        {
            "customer": customer.pk,
            "expires_in_days": 3,
            "note": "请核对",
            "shared_fields": ["phone", "name"],
            "email": "info@example.com",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["created_by"] == "sales1"
    assert body["shared_fields"] == ["name", "phone"]
    assert body["note"] == "请核对"
    assert body["emailed_at"] is not None
    assert len(mail.outbox) == 1 and body["url"] in mail.outbox[0].body


def test_a_link_works_for_the_default_days_without_expires_in_days(manager, customer, settings):
    settings.CUSTOMER_FORM_EXPIRY_DAYS = 5

    body = as_user(manager).post(URL, {"customer": customer.pk}, format="json").json()

    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert (
        datetime.timedelta(days=4, hours=23)
        < expires - timezone.now()
        <= datetime.timedelta(days=5)
    )


def test_a_salesperson_cannot_create_a_link_for_anothers_customer(other_salesperson, customer):
    response = as_user(other_salesperson).post(
        URL, {"customer": customer.pk, "expires_in_days": 7}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
    assert not FormLink.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 91}, "expires_in_days"),
        ({"expires_in_days": "soon"}, "expires_in_days"),
        ({"shared_fields": ["credit_limit"]}, "shared_fields"),
        ({"email": "nobody"}, "email"),
        ({"note": "x" * 1001}, "note"),
        ({"customer": 999999}, "customer"),
    ],
)
def test_bad_input_is_refused_naming_the_field(manager, customer, body, field):
    response = as_user(manager).post(URL, {"customer": customer.pk, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not FormLink.objects.exists()


def test_an_archived_customer_is_refused(manager, customer):
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)

    response = as_user(manager).post(URL, {"customer": customer.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]


def test_anonymous_callers_are_refused(customer):
    response = APIClient().post(URL, {"customer": customer.pk}, format="json")

    assert response.status_code in (401, 403)
    assert not FormLink.objects.exists()


# Reading -----------------------------------------------------------------------------------


def test_the_list_keeps_to_the_scope_and_gives_no_address(
    manager, salesperson, other_salesperson, customer
):
    FormLinkFactory(customer=customer)
    FormLinkFactory(customer=customer, submitted_at=timezone.now())
    FormLinkFactory(customer=CustomerFactory(salesperson=other_salesperson))

    mine = as_user(salesperson).get(URL).json()["results"]
    theirs = as_user(other_salesperson).get(URL).json()["results"]
    everything = as_user(manager).get(URL).json()["results"]

    assert len(mine) == 2 and len(theirs) == 1 and len(everything) == 3
    assert all("url" not in item and "token_hash" not in item for item in everything)
    assert {item["state"] for item in mine} == {"sent", "submitted"}


def test_the_list_filters_by_state_and_customer(manager, customer):
    FormLinkFactory(customer=customer)
    used = FormLinkFactory(customer=customer, submitted_at=timezone.now())
    FormLinkFactory()
    client = as_user(manager)

    submitted = client.get(f"{URL}?state=submitted").json()["results"]
    of_customer = client.get(f"{URL}?customer={customer.pk}").json()["results"]

    assert [item["id"] for item in submitted] == [used.pk]
    assert len(of_customer) == 2


def test_the_lists_queries_do_not_grow_with_its_length(manager, django_assert_num_queries):
    client = as_user(manager)
    FormLinkFactory()
    with django_assert_num_queries(4):
        client.get(URL)
    for _ in range(5):
        FormLinkFactory()

    with django_assert_num_queries(4):
        response = client.get(URL)

    assert len(response.json()["results"]) == 6


def test_another_salesperson_does_not_find_a_link(other_salesperson, customer):
    link = FormLinkFactory(customer=customer)

    assert as_user(other_salesperson).get(f"{URL}{link.pk}/").status_code == 404
    assert as_user(other_salesperson).post(f"{URL}{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.state == FormLink.State.SENT


# Revoking and reopening --------------------------------------------------------------------


def test_revoking_twice_is_a_conflict(salesperson, customer):
    link = FormLinkFactory(customer=customer)
    client = as_user(salesperson)

    first = client.post(f"{URL}{link.pk}/revoke/")
    second = client.post(f"{URL}{link.pk}/revoke/")

    assert first.status_code == 200 and first.json()["state"] == "revoked"
    assert second.status_code == 409
    assert (second.json()["code"], second.json()["state"]) == ("state", "revoked")


def test_a_manager_reopens_a_used_link(manager, customer):
    link = FormLinkFactory(customer=customer, opened_at=timezone.now(), submitted_at=timezone.now())

    response = as_user(manager).post(
        f"{URL}{link.pk}/reopen/", {"expires_in_days": 2}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "opened"
    assert response.json()["reopened_at"] is not None


def test_reopening_an_open_link_is_a_conflict(manager, customer):
    link = FormLinkFactory(customer=customer)

    response = as_user(manager).post(f"{URL}{link.pk}/reopen/")

    assert response.status_code == 409
    assert response.json()["code"] == "state"


def test_a_salesperson_cannot_reopen(salesperson, customer):
    link = FormLinkFactory(customer=customer, submitted_at=timezone.now())

    response = as_user(salesperson).post(f"{URL}{link.pk}/reopen/")

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.state == FormLink.State.SUBMITTED


def test_links_are_not_changed_or_deleted_directly(manager, customer):
    link = FormLinkFactory(customer=customer)
    client = as_user(manager)

    assert client.put(f"{URL}{link.pk}/", {"note": "x"}, format="json").status_code == 405
    assert client.delete(f"{URL}{link.pk}/").status_code == 405
    assert client.get(f"{URL}{link.pk}/revoke/").status_code == 405


def test_the_schema_documents_the_links(manager):
    schema = as_user(manager).get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert {"/api/v1/customer-forms/", "/api/v1/customer-forms/{id}/"} <= set(paths)
    assert "/api/v1/customer-forms/{id}/revoke/" in paths
    assert "/api/v1/customer-forms/{id}/reopen/" in paths
    created = paths["/api/v1/customer-forms/"]["post"]["responses"]["201"]
    assert re.search(r"FormLinkCreated", str(created))
