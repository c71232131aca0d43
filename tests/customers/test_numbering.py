"""New cards are numbered when no code is typed; nearly-right input is taken as meant."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Channel, CodeSequence, Customer
from customers.services import card_update, customer_create
from tests.customers.factories import CustomerFactory
from tests.html_forms import form_as_rendered

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91350100M000100Y43"


def test_cards_without_a_code_are_numbered_with_the_configured_prefix_and_width(manager, settings):
    settings.CUSTOMER_CODE_PREFIX, settings.CUSTOMER_CODE_WIDTH = "CU", 4
    first = customer_create(data={"name": "甲"}, actor=manager)
    second = customer_create(data={"code": "  ", "name": "乙"}, actor=manager)
    typed = customer_create(data={"code": "MY-OWN", "name": "丙"}, actor=manager)
    assert [first.code, second.code, typed.code] == ["CU0001", "CU0002", "MY-OWN"]
    assert CodeSequence.objects.get(prefix="CU").last_number == 2


def test_numbering_continues_after_the_highest_code_of_its_shape_and_skips_typed_ones(
    manager, settings
):
    settings.CUSTOMER_CODE_PREFIX, settings.CUSTOMER_CODE_WIDTH = "KH", 5
    for code in ("KH00007", "KH00012", "KH9", "KHX1", "OTHER99"):
        CustomerFactory(code=code)
    assert customer_create(data={"name": "新"}, actor=manager).code == "KH00013"
    CustomerFactory(code="KH00014")  # typed by hand meanwhile
    assert customer_create(data={"name": "新二"}, actor=manager).code == "KH00015"


def test_a_refused_card_gives_its_number_back(manager):
    with pytest.raises(Exception):  # noqa: B017 - the refusal itself is tested elsewhere
        customer_create(data={"name": "", "email": "bad"}, actor=manager)
    assert customer_create(data={"name": "好"}, actor=manager).code.endswith("00001")


def test_the_new_card_page_and_the_api_number_a_card_left_without_a_code(client, salesperson):
    client.force_login(salesperson)
    url = reverse("customers:create")
    data, _names = form_as_rendered(client.get(url).content.decode())
    assert data["code"] == ""
    data["name"] = "南山便利店"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Customer.objects.get(name="南山便利店").code == "KH00001"

    api = APIClient()
    api.force_authenticate(salesperson)
    response = api.post("/api/v1/customers/", {"name": "福田超市"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "KH00002"


def test_a_credit_code_typed_in_lower_case_is_taken_in_upper_case(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("customers:create"),
        {"code": "N1", "name": "甲", "credit_code": f" {VALID_CREDIT_CODE.lower()} "},
    )
    assert response.status_code == 302
    assert Customer.objects.get(code="N1").credit_code == VALID_CREDIT_CODE

    customer = CustomerFactory(credit_code="")
    api = APIClient()
    api.force_authenticate(manager)
    response = api.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"credit_code": VALID_CREDIT_CODE.lower(), "version": 1},
        format="json",
    )
    # The same code in lower case is the other card's code: refused as taken.
    assert response.status_code == 400
    assert response.json() == {"credit_code": ["Another customer has this credit code."]}


def test_an_unchanged_credit_code_in_lower_case_is_no_change(manager):
    customer = CustomerFactory(credit_code=VALID_CREDIT_CODE)
    saved = card_update(
        customer=customer,
        changes={"credit_code": VALID_CREDIT_CODE.lower()},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    assert saved.version == 1


def test_an_impossible_date_is_refused_and_the_typed_text_kept_in_the_field(client, manager):
    customer = CustomerFactory()
    client.force_login(manager)
    url = reverse("customers:edit", args=[customer.pk])
    data, _names = form_as_rendered(client.get(url).content.decode())
    data["founded_on"] = "2026-02-30"
    response = client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["founded_on"]
    html = response.content.decode()
    assert 'type="text" name="founded_on" value="2026-02-30"' in html
    customer.refresh_from_db()
    assert customer.founded_on is None
