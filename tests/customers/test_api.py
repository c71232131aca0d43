from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.models import CARD_FIELDS, Channel, Contact, CreditIncident, Customer
from tests.accounts.factories import PASSWORD, UserFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    customer_type,
    grade,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/customers/"
VALID_CREDIT_CODE = "91350100M000100Y43"


def detail(customer) -> str:
    return f"/api/v1/customers/{customer.pk}/"


@pytest.fixture
def api():
    return APIClient()


def as_user(user) -> APIClient:
    """A client that authenticates with the user's token, as integrations do."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["results"]]


# Token ---------------------------------------------------------------------------------


def test_token_from_form_post_reads_the_users_customers(api, salesperson):
    CustomerFactory(code="C1", salesperson=salesperson)
    response = api.post(
        "/api/v1/auth/token/", {"username": "sales1", "password": PASSWORD}, format="multipart"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=salesperson).key

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert codes(api.get(LIST)) == ["C1"]


def test_token_from_json_post_is_the_same_token(api, salesperson):
    first = api.post(
        "/api/v1/auth/token/", {"username": "sales1", "password": PASSWORD}, format="json"
    )
    second = api.post(
        "/api/v1/auth/token/",
        "username=sales1&password=" + PASSWORD,
        content_type="application/x-www-form-urlencoded",
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"token": Token.objects.get(user=salesperson).key}


def test_token_with_wrong_password_is_400_with_a_message(api, salesperson):
    response = api.post(
        "/api/v1/auth/token/", {"username": "sales1", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_token_endpoint_refuses_get(api):
    assert api.get("/api/v1/auth/token/").status_code == 405


def test_a_bad_token_is_401(api, salesperson):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get(LIST).status_code == 401


def test_session_login_also_works(client, salesperson):
    CustomerFactory(code="C1", salesperson=salesperson)
    client.force_login(salesperson)
    assert codes(client.get(LIST)) == ["C1"]


# Shape ---------------------------------------------------------------------------------


def test_customer_item_has_the_card_fields_grade_name_and_salesperson_username(manager):
    region = RegionFactory(code="GD", name="广东")
    customer = CustomerFactory(
        code="C1",
        name="甲公司",
        phone="020-1",
        address="广州",
        salesperson=UserFactory(username="sales9", role="sales"),
        customer_type=customer_type("government"),
        region=region,
        grade=grade("key"),
        credit_limit=Decimal("1000.50"),
        founded_on="2001-02-03",
    )
    response = as_user(manager).get(detail(customer))
    assert response.status_code == 200
    item = response.json()
    assert set(item) == {
        "id",
        *CARD_FIELDS,
        "status",
        "version",
        "grade",
        "grade_code",
        "completeness",
        "time_series",
        "transaction_process",
        "archived_at",
        "created_at",
        "updated_at",
    }
    assert {key: item[key] for key in ("id", "code", "name", "phone", "address")} == {
        "id": customer.pk,
        "code": "C1",
        "name": "甲公司",
        "phone": "020-1",
        "address": "广州",
    }
    assert item["status"] == "active"
    assert item["version"] == 1
    assert item["salesperson"] == "sales9"
    assert item["grade"] == "主力客户"
    assert item["grade_code"] == "key"
    assert item["customer_type"] == "government"
    assert item["region"] == "GD"
    assert item["ownership"] is None
    assert item["route"] is None
    assert item["credit_limit"] == "1000.50"
    assert item["founded_on"] == "2001-02-03"
    # name, address, phone, founding date, credit limit: 5 of the card's 37 fields.
    assert item["completeness"] == 14
    assert item["archived_at"] is None


def test_customer_without_grade_or_salesperson_shows_null(manager):
    customer = CustomerFactory(salesperson=None, grade=None)
    item = as_user(manager).get(detail(customer)).json()
    assert (item["grade"], item["grade_code"], item["salesperson"]) == (None, None, None)


def test_list_is_paginated_with_results_and_next(manager):
    for n in range(3):
        CustomerFactory(code=f"C{n}")
    body = as_user(manager).get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3
    assert [item["code"] for item in body["results"]] == ["C0", "C1"]
    assert body["next"].endswith("/api/v1/customers/?page=2&page_size=2")


@pytest.mark.parametrize("page_size", [10, 100])
def test_list_query_count_does_not_depend_on_page_size(
    manager, django_assert_num_queries, page_size
):
    for n in range(12):
        CustomerFactory(code=f"C{n:02d}", grade=grade("general"))
    client = as_user(manager)
    # token and user, the user's roles, count, the page with its references joined, the
    # classification policy (the lifecycle windows, read once)
    with django_assert_num_queries(5):
        response = client.get(LIST, {"page_size": page_size})
    assert len(response.json()["results"]) == min(12, page_size)


def test_detail_is_four_queries(manager, django_assert_num_queries):
    customer = CustomerFactory(grade=grade("key"), route=None)
    client = as_user(manager)
    # token and user, the user's roles, the card with its references joined, the
    # classification policy (the lifecycle windows)
    with django_assert_num_queries(4):
        assert client.get(detail(customer)).status_code == 200


# Security ------------------------------------------------------------------------------


def test_salesperson_lists_only_own_customers(salesperson, other_salesperson):
    CustomerFactory(code="MINE", salesperson=salesperson)
    CustomerFactory(code="THEIRS", salesperson=other_salesperson)
    assert codes(as_user(salesperson).get(LIST)) == ["MINE"]


def test_manager_lists_every_customer(manager, salesperson, other_salesperson):
    CustomerFactory(code="A", salesperson=salesperson)
    CustomerFactory(code="B", salesperson=other_salesperson)
    CustomerFactory(code="C", salesperson=None)
    assert codes(as_user(manager).get(LIST)) == ["A", "B", "C"]


def test_another_salespersons_customer_is_404_and_unchanged(salesperson, other_salesperson):
    customer = CustomerFactory(code="THEIRS", name="原名", salesperson=other_salesperson)
    client = as_user(salesperson)
    assert client.get(detail(customer)).status_code == 404
    assert client.patch(detail(customer), {"name": "X", "version": 1}).status_code == 404
    assert client.delete(detail(customer)).status_code == 404
    assert client.post(f"{detail(customer)}restore/").status_code == 404
    assert client.get(f"{detail(customer)}history/").status_code == 404
    customer.refresh_from_db()
    assert (customer.name, customer.status, customer.version) == ("原名", "active", 1)
    assert customer.history.count() == 1


def test_unknown_id_is_404(manager):
    assert as_user(manager).get("/api/v1/customers/999999/").status_code == 404
    assert as_user(manager).get("/api/v1/customers/abc/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("post", LIST),
        ("get", "{detail}"),
        ("patch", "{detail}"),
        ("delete", "{detail}"),
        ("post", "{detail}restore/"),
        ("get", "{detail}history/"),
    ],
)
def test_anonymous_is_refused(api, method, path):
    customer = CustomerFactory(name="原名")
    response = getattr(api, method)(path.format(detail=detail(customer)), {"name": "X"})
    assert response.status_code == 401
    customer.refresh_from_db()
    assert (customer.name, customer.status) == ("原名", "active")
    assert Customer.objects.count() == 1


def test_wrong_methods_are_refused(manager):
    customer = CustomerFactory()
    client = as_user(manager)
    assert client.put(LIST, {}).status_code == 405
    assert client.delete(LIST).status_code == 405
    assert client.post(detail(customer), {}).status_code == 405
    assert client.get(f"{detail(customer)}restore/").status_code == 405
    assert client.post(f"{detail(customer)}history/").status_code == 405


def test_user_without_a_role_sees_nothing_and_cannot_write(salesperson):
    customer = CustomerFactory(name="原名", salesperson=salesperson)
    client = as_user(UserFactory(username="nobody"))
    assert client.get(LIST).json()["results"] == []
    assert client.get(detail(customer)).status_code == 404
    assert client.post(LIST, {"code": "N1", "name": "新"}).status_code == 403
    assert client.patch(detail(customer), {"name": "X", "version": 1}).status_code == 403
    assert client.delete(detail(customer)).status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.status) == ("原名", "active")
    assert Customer.objects.count() == 1


def test_user_with_only_view_permission_cannot_write():
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = as_user(reader)
    assert client.get(LIST).status_code == 200
    assert client.post(LIST, {"code": "N1", "name": "新"}).status_code == 403
    assert not Customer.objects.exists()


# Create --------------------------------------------------------------------------------


def test_manager_creates_a_card_through_the_api_channel(manager, salesperson):
    RegionFactory(code="GD")
    response = as_user(manager).post(
        LIST,
        {
            "code": "N1",
            "name": "新公司",
            "phone": "020-9",
            "customer_type": "consumer",
            "region": "GD",
            "salesperson": "sales1",
            "credit_code": VALID_CREDIT_CODE,
            "registered_capital": "500000.00",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(code="N1")
    assert body["id"] == customer.pk
    assert body["duplicates"] == []
    assert (body["salesperson"], body["customer_type"], body["region"], body["version"]) == (
        "sales1",
        "consumer",
        "GD",
        1,
    )
    assert customer.salesperson == salesperson
    assert customer.registered_capital == Decimal("500000.00")
    record = customer.history.get()
    assert (record.history_type, record.history_channel, record.history_user) == (
        "+",
        Channel.API,
        manager,
    )
    assert customer.provenance.get(field_name="phone").channel == Channel.API


def test_create_warns_about_duplicates(manager):
    CustomerFactory(code="OLD1", name="甲公司", phone="1")
    CustomerFactory(code="OLD2", name="乙公司", phone="020-5")
    CustomerFactory(code="OTHER", name="丙公司", phone="2")
    response = as_user(manager).post(
        LIST, {"code": "N1", "name": "甲公司", "phone": "020-5"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["duplicates"] == [
        {"matches": ["name"], "in_scope": True, "code": "OLD1", "name": "甲公司"},
        {"matches": ["phone"], "in_scope": True, "code": "OLD2", "name": "乙公司"},
    ]


def test_salespersons_new_card_is_their_own(salesperson):
    response = as_user(salesperson).post(LIST, {"code": "N1", "name": "新"}, format="json")
    assert response.status_code == 201
    assert response.json()["salesperson"] == "sales1"
    assert Customer.objects.get(code="N1").salesperson == salesperson


def test_salesperson_cannot_assign_a_card_to_someone_else(salesperson, other_salesperson):
    client = as_user(salesperson)
    response = client.post(LIST, {"code": "N1", "name": "新", "salesperson": "sales2"})
    assert response.status_code == 400
    assert response.json() == {
        "salesperson": ["Sales staff can only assign customers to themselves."]
    }
    assert not Customer.objects.exists()

    customer = CustomerFactory(salesperson=salesperson)
    response = client.patch(
        detail(customer), {"salesperson": "sales2", "version": 1}, format="json"
    )
    assert response.status_code == 400
    response = client.patch(detail(customer), {"salesperson": None, "version": 1}, format="json")
    assert response.status_code == 400
    customer.refresh_from_db()
    assert (customer.salesperson, customer.version) == (salesperson, 1)


def test_manager_assigns_only_members_of_the_sales_group(manager, other_salesperson):
    customer = CustomerFactory(salesperson=None)
    client = as_user(manager)
    response = client.patch(detail(customer), {"salesperson": "manager", "version": 1})
    assert response.status_code == 400
    assert response.json() == {
        "salesperson": [
            f"{manager.get_full_name()} is not a member of the sales group; only sales staff "
            "can be assigned customers."
        ]
    }
    response = client.patch(detail(customer), {"salesperson": "sales2", "version": 1})
    assert response.status_code == 200
    assert response.json()["salesperson"] == "sales2"


def test_bad_input_is_400_naming_each_field_and_creates_nothing(manager):
    response = as_user(manager).post(
        LIST,
        {
            "code": "N1",
            "name": "新",
            "credit_code": "91350100M000100Y44",
            "customer_type": "no-such-type",
            "founded_on": "2020-13-45",
            "credit_limit": "-5",
            "email": "not-an-email",
            "development_potential": "huge",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {
        "credit_code",
        "customer_type",
        "founded_on",
        "credit_limit",
        "email",
        "development_potential",
    }
    assert errors["credit_code"] == ["The check character of this credit code should be 3."]
    assert errors["customer_type"] == ["Object with code=no-such-type does not exist."]
    assert not Customer.objects.exists()


def test_wrong_types_are_400_not_500(manager):
    client = as_user(manager)
    response = client.post(
        LIST, {"code": ["a"], "name": {"x": 1}, "region": 5, "version": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "name", "region", "version"}
    assert client.post(LIST, "not json", content_type="application/json").status_code == 400
    assert client.post(LIST, ["a list"], format="json").status_code == 400


def test_missing_name_and_duplicate_code_are_400(manager):
    CustomerFactory(code="C1")
    client = as_user(manager)
    # Without a code the card would be numbered; without a name it is refused.
    assert set(client.post(LIST, {}, format="json").json()) == {"name"}
    assert not Customer.objects.exclude(code="C1").exists()
    response = client.post(LIST, {"code": "C1", "name": "X"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": ["customer with this customer code already exists."]}


def test_duplicate_credit_code_is_400_but_blank_ones_are_fine(manager):
    CustomerFactory(credit_code=VALID_CREDIT_CODE)
    CustomerFactory(credit_code="")
    client = as_user(manager)
    response = client.post(
        LIST, {"code": "N1", "name": "X", "credit_code": VALID_CREDIT_CODE}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"credit_code": ["Another customer has this credit code."]}
    response = client.post(LIST, {"code": "N2", "name": "Y", "credit_code": ""}, format="json")
    assert response.status_code == 201
    assert Customer.objects.filter(credit_code="").count() == 2


# Update --------------------------------------------------------------------------------


def test_patch_with_version_updates_the_card_through_the_api_channel(salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="1")
    response = as_user(salesperson).patch(
        detail(customer),
        {"phone": "020-2", "credit_limit": "300.00", "customer_type": "partner", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["credit_limit"], body["customer_type"], body["version"]) == (
        "020-2",
        "300.00",
        "partner",
        2,
    )
    customer.refresh_from_db()
    assert (customer.phone, customer.credit_limit, customer.version) == (
        "020-2",
        Decimal("300.00"),
        2,
    )
    latest = customer.history.latest()
    assert (latest.history_type, latest.history_channel, latest.history_user) == (
        "~",
        Channel.API,
        salesperson,
    )


def test_put_replaces_the_card_fields_it_names(manager):
    customer = CustomerFactory(code="C1", name="旧", phone="1")
    response = as_user(manager).put(
        detail(customer),
        {"code": "C1", "name": "新", "phone": "", "version": 1},
        format="json",
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.version) == ("新", "", 2)


def test_update_without_version_is_400_and_changes_nothing(manager):
    customer = CustomerFactory(name="原名")
    client = as_user(manager)
    response = client.patch(detail(customer), {"name": "X"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"version": ["Send the version of the card you are updating."]}
    response = client.put(detail(customer), {"code": customer.code, "name": "X"}, format="json")
    assert response.status_code == 400
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("原名", 1)
    assert customer.history.count() == 1


def test_stale_card_update_is_refused_and_keeps_first_edit(manager, salesperson):
    customer = CustomerFactory(name="原名", phone="1", salesperson=salesperson)
    first = as_user(manager).patch(detail(customer), {"name": "第一", "version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2

    second = as_user(salesperson).patch(
        detail(customer), {"name": "第二", "phone": "020-9", "version": 1}
    )
    assert second.status_code == 409
    assert second.json() == {
        "detail": "This card was changed by someone else (version 2, you edited version 1). "
        "Reload it and apply your changes again.",
        "code": "stale_version",
        "current_version": 2,
        "sent_version": 1,
    }
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.version) == ("第一", "1", 2)
    assert [(r.history_type, r.name, r.history_user) for r in customer.history.all()] == [
        ("~", "第一", manager),
        ("+", "原名", None),
    ]


def test_invalid_update_is_400_and_keeps_the_version(manager):
    customer = CustomerFactory(credit_code="")
    response = as_user(manager).patch(
        detail(customer),
        {"credit_code": "91350100M000100Y44", "trading_since": "yesterday", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"credit_code", "trading_since"}
    customer.refresh_from_db()
    assert (customer.credit_code, customer.version) == ("", 1)


def test_update_with_the_same_values_writes_nothing(manager):
    customer = CustomerFactory(name="原名")
    response = as_user(manager).patch(detail(customer), {"name": "原名", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert customer.history.count() == 1


# Archive and restore -------------------------------------------------------------------


def test_delete_archives_the_card_which_stays_readable(manager):
    customer = CustomerFactory(name="原名")
    client = as_user(manager)
    response = client.delete(detail(customer))
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert response.json()["version"] == 2

    response = client.get(detail(customer))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["name"]) == ("archived", "原名")
    assert response.json()["archived_at"] is not None
    customer.refresh_from_db()
    assert customer.is_archived
    latest = customer.history.latest()
    assert (latest.status, latest.history_channel, latest.history_user) == (
        "archived",
        Channel.API,
        manager,
    )
    assert codes(client.get(LIST, {"status": "archived"})) == [customer.code]
    assert codes(client.get(LIST, {"status": "active"})) == []


def test_archived_card_cannot_be_edited_until_restored(salesperson):
    customer = CustomerFactory(name="原名", salesperson=salesperson)
    client = as_user(salesperson)
    assert client.delete(detail(customer)).status_code == 200

    response = client.patch(detail(customer), {"name": "X", "version": 2})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "An archived card cannot be changed; restore it first.",
        "code": "archived",
    }

    response = client.post(f"{detail(customer)}restore/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("active", 3)
    assert client.patch(detail(customer), {"name": "X", "version": 3}).status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.status, customer.archived_at) == ("X", "active", None)
    assert [r.history_channel for r in customer.history.all()] == [
        Channel.API,
        Channel.API,
        Channel.API,
        Channel.MANUAL,
    ]


def test_every_api_change_is_in_the_history_with_channel_and_user(manager):
    client = as_user(manager)
    pk = client.post(LIST, {"code": "N1", "name": "新"}).json()["id"]
    client.patch(f"/api/v1/customers/{pk}/", {"phone": "020-1", "version": 1})
    client.delete(f"/api/v1/customers/{pk}/")
    client.post(f"/api/v1/customers/{pk}/restore/")
    records = Customer.objects.get(pk=pk).history.all()
    assert [(r.history_type, r.history_channel, r.history_user) for r in records] == [
        ("~", Channel.API, manager),
        ("~", Channel.API, manager),
        ("~", Channel.API, manager),
        ("+", Channel.API, manager),
    ]


def test_history_endpoint_shows_who_changed_what(manager):
    customer = CustomerFactory(name="原名", phone="1", customer_type=customer_type("ordinary"))
    client = as_user(manager)
    client.patch(detail(customer), {"name": "新名", "customer_type": "partner", "version": 1})
    response = client.get(f"{detail(customer)}history/", {"limit": 1})
    assert response.status_code == 200
    (entry,) = response.json()["results"]
    assert {key: entry[key] for key in ("user", "channel", "channel_label", "kind")} == {
        "user": "manager",
        "channel": "api",
        "channel_label": "API",
        "kind": "changed",
    }
    assert entry["changes"] == [
        {"field": "name", "label": "name", "old": "原名", "new": "新名"},
        {
            "field": "customer_type",
            "label": "customer type",
            "old": "Ordinary company",
            "new": "Trading partner",
        },
    ]
    assert len(client.get(f"{detail(customer)}history/").json()["results"]) == 2
    assert client.get(f"{detail(customer)}history/", {"limit": 0}).status_code == 400


# Filters -------------------------------------------------------------------------------


def test_filter_by_search_text(manager):
    CustomerFactory(code="A1", name="长城贸易", phone="1")
    CustomerFactory(code="B1", name="黄河公司", phone="0755-123")
    ContactFactory(customer=CustomerFactory(code="C1", name="其他", phone="2"), name="王小明")
    client = as_user(manager)
    assert codes(client.get(LIST, {"q": "长城"})) == ["A1"]
    assert codes(client.get(LIST, {"q": "0755-123"})) == ["B1"]
    assert codes(client.get(LIST, {"q": "小明"})) == ["C1"]
    assert codes(client.get(LIST, {"q": "b1"})) == ["B1"]


def test_filter_by_grade_including_no_grade(manager):
    CustomerFactory(code="K", grade=grade("key"))
    CustomerFactory(code="G", grade=grade("general"))
    CustomerFactory(code="N", grade=None)
    client = as_user(manager)
    assert codes(client.get(LIST, {"grade": "key"})) == ["K"]
    assert codes(client.get(LIST, {"grade": "null"})) == ["N"]


def test_filter_by_region_includes_sub_regions(manager):
    province = RegionFactory(code="GD")
    city = RegionFactory(code="GZ", parent=province)
    district = RegionFactory(code="TH", parent=city)
    CustomerFactory(code="P", region=province)
    CustomerFactory(code="C", region=city)
    CustomerFactory(code="D", region=district)
    CustomerFactory(code="X", region=RegionFactory(code="FJ"))
    client = as_user(manager)
    assert codes(client.get(LIST, {"region": province.code})) == ["C", "D", "P"]
    assert codes(client.get(LIST, {"region": city.code})) == ["C", "D"]


def test_filter_by_salesperson_username_status_and_ordering(
    manager, salesperson, other_salesperson
):
    CustomerFactory(code="A", name="乙", salesperson=salesperson)
    CustomerFactory(code="B", name="甲", salesperson=salesperson, status="archived")
    CustomerFactory(code="C", salesperson=other_salesperson)
    client = as_user(manager)
    assert codes(client.get(LIST, {"salesperson": "sales1"})) == ["A", "B"]
    assert codes(client.get(LIST, {"salesperson": "sales1", "status": "active"})) == ["A"]
    assert codes(client.get(LIST, {"salesperson": "sales1", "ordering": "-code"})) == ["B", "A"]


def test_bad_filter_values_are_400(manager):
    client = as_user(manager)
    assert client.get(LIST, {"grade": "no-such-grade"}).status_code == 400
    assert client.get(LIST, {"status": "deleted"}).status_code == 400
    assert client.get(LIST, {"salesperson": "nobody"}).status_code == 400
    assert client.get(LIST, {"ordering": "password"}).status_code == 400


# Contacts and credit incidents ---------------------------------------------------------


def test_contacts_are_scoped_through_their_customer(salesperson, other_salesperson):
    mine = CustomerFactory(code="MINE", salesperson=salesperson)
    theirs = CustomerFactory(code="THEIRS", salesperson=other_salesperson)
    own = ContactFactory(customer=mine, name="甲")
    other = ContactFactory(customer=theirs, name="乙")
    client = as_user(salesperson)
    response = client.get("/api/v1/contacts/")
    assert [item["id"] for item in response.json()["results"]] == [own.pk]
    assert client.get("/api/v1/contacts/", {"customer": theirs.pk}).json()["results"] == []
    assert client.get(f"/api/v1/contacts/{other.pk}/").status_code == 404
    assert client.patch(f"/api/v1/contacts/{other.pk}/", {"name": "X"}).status_code == 404
    assert client.delete(f"/api/v1/contacts/{other.pk}/").status_code == 404
    response = client.post("/api/v1/contacts/", {"customer": theirs.pk, "name": "新"})
    assert response.status_code == 400
    assert set(response.json()) == {"customer"}
    other.refresh_from_db()
    assert other.name == "乙"
    assert Contact.objects.count() == 2


def test_contact_create_update_delete_through_the_api_channel(salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    old_primary = ContactFactory(customer=customer, name="老", is_primary=True)
    client = as_user(salesperson)
    response = client.post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "新", "phone": "139", "is_primary": True},
        format="json",
    )
    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": contact.pk,
        "customer": customer.pk,
        "name": "新",
        "role": "",
        "phone": "139",
        "mobile": "",
        "email": "",
        "notes": "",
        "is_primary": True,
        "version": 1,
    }
    old_primary.refresh_from_db()
    assert not old_primary.is_primary
    record = contact.history.get()
    assert (record.history_channel, record.history_user) == (Channel.API, salesperson)

    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"role": "经理", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert contact.history.latest().history_channel == Channel.API

    other = CustomerFactory(salesperson=salesperson)
    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"customer": other.pk, "version": 2})
    assert response.status_code == 400

    assert client.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    deleted = Contact.history.filter(id=contact.pk).latest()
    assert (deleted.history_type, deleted.history_channel) == ("-", Channel.API)


@pytest.mark.parametrize("page_size", [2, 50])
def test_contact_list_query_count_does_not_depend_on_page_size(
    salesperson, django_assert_num_queries, page_size
):
    customer = CustomerFactory(salesperson=salesperson)
    for _n in range(4):
        ContactFactory(customer=customer)
    client = as_user(salesperson)
    # token and user, the user's roles, count, the page
    with django_assert_num_queries(4):
        response = client.get("/api/v1/contacts/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(4, page_size)


def test_contacts_filter_by_customer_and_refuse_anonymous(api, manager):
    first = ContactFactory()
    ContactFactory()
    response = as_user(manager).get("/api/v1/contacts/", {"customer": first.customer_id})
    assert [item["id"] for item in response.json()["results"]] == [first.pk]
    assert api.get("/api/v1/contacts/").status_code == 401


def test_credit_incidents_are_scoped_and_saved_through_the_api_channel(
    salesperson, other_salesperson
):
    mine = CustomerFactory(salesperson=salesperson)
    theirs = CreditIncidentFactory(customer=CustomerFactory(salesperson=other_salesperson))
    client = as_user(salesperson)
    assert client.get("/api/v1/credit-incidents/").json()["results"] == []
    assert client.get(f"/api/v1/credit-incidents/{theirs.pk}/").status_code == 404

    response = client.post(
        "/api/v1/credit-incidents/",
        {
            "customer": mine.pk,
            "occurred_on": "2024-03-01",
            "kind": "late_payment",
            "amount": "1200.50",
        },
        format="json",
    )
    assert response.status_code == 201
    incident = CreditIncident.objects.get(pk=response.json()["id"])
    assert (incident.customer, incident.amount) == (mine, Decimal("1200.50"))
    record = incident.history.get()
    assert (record.history_channel, record.history_user) == (Channel.API, salesperson)

    response = client.patch(
        f"/api/v1/credit-incidents/{incident.pk}/", {"resolved_on": "2024-02-01", "version": 1}
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["An incident cannot be resolved before it occurred."]
    }
    incident.refresh_from_db()
    assert incident.resolved_on is None

    response = client.post(
        "/api/v1/credit-incidents/",
        {"customer": mine.pk, "occurred_on": "someday", "kind": "theft"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"occurred_on", "kind"}

    assert client.delete(f"/api/v1/credit-incidents/{incident.pk}/").status_code == 204
    assert not CreditIncident.objects.filter(pk=incident.pk).exists()


def test_user_without_a_role_cannot_add_contacts(manager):
    customer = CustomerFactory()
    response = as_user(UserFactory(username="nobody")).post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "X"}
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


# Schema --------------------------------------------------------------------------------


def test_schema_and_docs_render(client, manager):
    client.force_login(manager)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/customers/{id}/history/" in response.content
    assert client.get("/api/docs/").status_code == 200


def test_contacts_and_incidents_of_an_archived_card_are_read_only(manager):
    customer = CustomerFactory(status=Customer.Status.ARCHIVED)
    contact = ContactFactory(customer=customer, name="旧联系人")
    incident = CreditIncidentFactory(customer=customer)
    client = as_user(manager)

    created = client.post(
        "/api/v1/contacts/", {"customer": customer.pk, "name": "新联系人"}, format="json"
    )
    changed = client.patch(
        f"/api/v1/contacts/{contact.pk}/", {"name": "改名", "version": 1}, format="json"
    )
    deleted = client.delete(f"/api/v1/credit-incidents/{incident.pk}/")

    assert [created.status_code, changed.status_code, deleted.status_code] == [409, 409, 409]
    assert created.json()["code"] == "archived"
    assert list(customer.contacts.values_list("name", flat=True)) == ["旧联系人"]
    assert customer.credit_incidents.count() == 1
