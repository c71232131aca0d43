"""A note longer than a page (NOTE_MAX_LENGTH) is refused by every door of the card: the
API, the service the admin and imports write through; the card keeps what it had."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import NOTE_MAX_LENGTH, Channel, Customer
from customers.services import card_update
from tests.customers.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
TOO_LONG = "长" * (NOTE_MAX_LENGTH + 1)


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def test_the_api_refuses_a_megabyte_of_notes(manager):
    customer = CustomerFactory(business_policy="稳健")
    response = as_user(manager).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"business_policy": "x" * 1_000_000, "version": customer.version},
        format="json",
    )
    assert response.status_code == 400
    assert "business_policy" in response.json()
    customer.refresh_from_db()
    assert customer.business_policy == "稳健"


def test_the_service_refuses_a_note_longer_than_a_page(manager):
    customer = CustomerFactory(reputation="良好")
    with pytest.raises(ValidationError) as refused:
        card_update(
            customer=customer,
            changes={"reputation": TOO_LONG},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=customer.version,
        )
    assert "reputation" in refused.value.message_dict
    assert Customer.objects.get(pk=customer.pk).reputation == "良好"


def test_a_note_of_a_page_is_kept(manager):
    customer = CustomerFactory()
    card_update(
        customer=customer,
        changes={"reputation": "好" * NOTE_MAX_LENGTH},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )
    assert len(Customer.objects.get(pk=customer.pk).reputation) == NOTE_MAX_LENGTH


def test_a_contacts_notes_are_bounded_too(manager):
    contact = ContactFactory(customer=CustomerFactory())
    response = as_user(manager).patch(
        f"/api/v1/contacts/{contact.pk}/",
        {"notes": TOO_LONG, "version": contact.version},
        format="json",
    )
    assert response.status_code == 400
    assert "notes" in response.json()
