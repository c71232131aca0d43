from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Channel, Contact, CreditIncident, Customer
from customers.services import card_update, customer_archive, customer_create
from tests.accounts.factories import UserFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    customer_type,
    grade,
    ownership,
)

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
EXPORT = reverse("customers:export")
CREATE = reverse("customers:create")
BAD_CREDIT_CODE = "91350100M000100Y44"


def codes(response) -> list[str]:
    return [customer.code for customer in response.context["customers"]]


def form_data(form) -> dict:
    """What the browser would post back for an unchanged form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    return data


def edit_form(client, customer) -> dict:
    response = client.get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == 200
    return form_data(response.context["form"])


# The list ----------------------------------------------------------------------------------


def test_salesperson_sees_only_own_customers_and_manager_sees_all(
    client, salesperson, other_salesperson, manager
):
    CustomerFactory(code="A1", salesperson=salesperson)
    CustomerFactory(code="B1", salesperson=other_salesperson)
    client.force_login(salesperson)
    response = client.get(LIST)
    assert response.status_code == 200
    assert codes(response) == ["A1"]
    assert response.context["page_obj"].paginator.count == 1
    client.force_login(manager)
    assert codes(client.get(LIST)) == ["A1", "B1"]


def test_user_without_role_sees_an_empty_list_and_no_card(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    nobody = UserFactory(username="nobody")
    client.force_login(nobody)
    response = client.get(LIST)
    assert response.status_code == 200
    assert codes(response) == []
    assert client.get(customer.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        EXPORT,
        CREATE,
        "/customers/1/",
        "/customers/1/edit/",
        "/customers/1/contacts/new/",
        "/customers/1/incidents/new/",
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_anonymous_cannot_archive(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    response = client.post(reverse("customers:archive", args=[customer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


@pytest.mark.parametrize("term", ["华强", "HQ-7", "0755-9999", "李雷"])
def test_search_by_name_code_phone_or_contact_name(client, manager, term):
    target = CustomerFactory(code="HQ-77", name="深圳华强贸易", phone="0755-99991")
    ContactFactory(customer=target, name="李雷")
    CustomerFactory(code="X1", name="北京某公司", phone="010-1")
    client.force_login(manager)
    assert codes(client.get(LIST, {"q": term})) == ["HQ-77"]


def test_search_stays_within_scope(client, salesperson, other_salesperson):
    CustomerFactory(code="A1", name="华强一号", salesperson=salesperson)
    CustomerFactory(code="B1", name="华强二号", salesperson=other_salesperson)
    client.force_login(salesperson)
    assert codes(client.get(LIST, {"q": "华强"})) == ["A1"]


def test_each_filter_narrows_the_list(client, manager, salesperson, other_salesperson):
    route = RouteFactory(code="RT-N")
    wanted = CustomerFactory(
        code="W1",
        customer_type=customer_type("government"),
        ownership=ownership("state"),
        grade=grade("key"),
        route=route,
        salesperson=salesperson,
    )
    CustomerFactory(
        code="O1",
        customer_type=customer_type("ordinary"),
        ownership=ownership("private"),
        grade=grade("general"),
        salesperson=other_salesperson,
    )
    archived = CustomerFactory(code="Z1", salesperson=other_salesperson)
    customer_archive(customer=archived, actor=manager)
    client.force_login(manager)
    filters = {
        "customer_type": "government",
        "ownership": "state",
        "grade": "key",
        "route": route.code,
        "salesperson": salesperson.username,
    }
    for name, value in filters.items():
        assert codes(client.get(LIST, {name: value})) == [wanted.code], name
    assert codes(client.get(LIST, {"status": "archived"})) == ["Z1"]
    assert codes(client.get(LIST, {"status": "active"})) == ["O1", "W1"]


def test_salesperson_has_no_salesperson_filter(client, salesperson, manager):
    client.force_login(salesperson)
    assert "salesperson" not in client.get(LIST).context["filter"].form.fields
    client.force_login(manager)
    assert "salesperson" in client.get(LIST).context["filter"].form.fields


def test_unknown_filter_value_shows_an_error_and_no_rows(client, manager):
    CustomerFactory(code="A1")
    client.force_login(manager)
    response = client.get(LIST, {"region": 999999})
    assert codes(response) == []
    assert list(response.context["filter"].form.errors) == ["region"]


def test_region_filter_includes_sub_regions(client, manager):
    province = RegionFactory(code="GD", name="广东省")
    city = RegionFactory(code="SZ", name="深圳市", parent=province)
    district = RegionFactory(code="NS", name="南山区", parent=city)
    other = RegionFactory(code="BJ", name="北京市")
    CustomerFactory(code="P", region=province)
    CustomerFactory(code="C", region=city)
    CustomerFactory(code="D", region=district)
    CustomerFactory(code="O", region=other)
    client.force_login(manager)
    assert codes(client.get(LIST, {"region": province.code})) == ["C", "D", "P"]
    assert codes(client.get(LIST, {"region": city.code})) == ["C", "D"]


def test_columns_sort_both_ways(client, manager):
    CustomerFactory(code="C1", name="Beta")
    CustomerFactory(code="C2", name="Alpha")
    CustomerFactory(code="C3", name="Gamma")
    client.force_login(manager)
    response = client.get(LIST, {"ordering": "name"})
    assert codes(response) == ["C2", "C1", "C3"]
    name_column = next(c for c in response.context["columns"] if c.field == "name")
    assert (name_column.sorted, name_column.url) == ("ascending", "?ordering=-name")
    assert codes(client.get(LIST, {"ordering": "-name"})) == ["C3", "C1", "C2"]


def test_pagination_with_page_size_and_total(client, manager):
    salesperson = UserFactory(role="sales", username="s-page")
    region = RegionFactory(code="PG")
    for n in range(12):
        CustomerFactory(code=f"P{n:02d}", salesperson=salesperson, region=region)
    client.force_login(manager)
    response = client.get(LIST, {"page_size": 10})
    assert codes(response) == [f"P{n:02d}" for n in range(10)]
    assert response.context["page_obj"].paginator.count == 12
    assert "12 customers" in response.content.decode()
    assert codes(client.get(LIST, {"page_size": 10, "page": 2})) == ["P10", "P11"]
    assert len(codes(client.get(LIST))) == 12  # default 25
    assert client.get(LIST, {"page_size": 3}).context["page_size"] == 10
    assert client.get(LIST, {"page_size": 1000}).context["page_size"] == 100
    assert client.get(LIST, {"page_size": "x"}).context["page_size"] == 25


def test_list_query_count_does_not_grow_with_page_size(client, manager, django_assert_num_queries):
    salesperson = UserFactory(role="sales", username="s-many")
    region = RegionFactory(code="MANY")
    route = RouteFactory(code="RT-MANY", region=region)
    for n in range(105):
        CustomerFactory(
            code=f"M{n:03d}",
            salesperson=salesperson,
            region=region,
            route=route,
            grade=grade("key"),
            ownership=ownership(),
        )
    client.force_login(manager)
    for page_size in (10, 100):
        # Session, user, roles, region subtree (2), count, permissions (2), the six filter
        # choice lists, the classification policy (the lifecycle windows), the page of rows.
        with django_assert_num_queries(16):
            response = client.get(LIST, {"page_size": page_size, "region": region.code})
        assert len(codes(response)) == page_size


# The card ----------------------------------------------------------------------------------


def test_card_shows_sections_provenance_contacts_incidents_and_timeline(
    client, manager, salesperson
):
    customer = customer_create(
        data={
            "code": "K1",
            "name": "深圳华强贸易",
            "phone": "0755-1",
            "salesperson": salesperson,
            "enterprise_scale": Customer.Scale.LARGE,
            "cooperation_attitude": Customer.Attitude.CLOSE,
            "credit_rating": Customer.CreditRating.AA,
        },
        actor=manager,
    )
    card_update(
        customer=customer,
        changes={"phone": "0755-2"},
        actor=salesperson,
        channel=Channel.VISIT,
        expected_version=1,
    )
    ContactFactory(customer=customer, name="李雷", role="采购经理")
    CreditIncidentFactory(customer=customer, occurred_on=date(2024, 3, 1), amount=Decimal("12.50"))
    client.force_login(salesperson)
    response = client.get(customer.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert [s.label for s in response.context["sections"]] == [
        "Basic data",
        "Characteristics",
        "Business status",
        "Transaction status",
    ]
    for anchor in ("basic", "characteristics", "business", "transactions"):
        assert f'id="{anchor}"' in html
    rows = {row.name: row for s in response.context["sections"] for row in s.rows}
    assert rows["enterprise_scale"].value == "Large"
    assert rows["cooperation_attitude"].value == "Close partner"
    assert rows["phone"].value == "0755-2"
    assert (rows["phone"].provenance.channel, rows["phone"].provenance.verified) == (
        Channel.VISIT,
        False,
    )
    assert (rows["name"].provenance.channel, rows["name"].provenance.verified) == (
        Channel.MANUAL,
        True,
    )
    assert rows["website"].provenance is None
    assert 'class="provenance verified"' in html
    assert "Visit report" in html
    assert "李雷" in html and "采购经理" in html
    assert "2024-03-01" in html and "12.50" in html
    timeline = response.context["timeline"]
    assert [(e.user, e.channel, e.kind) for e in timeline] == [
        (salesperson, Channel.VISIT, "~"),
        (manager, Channel.MANUAL, "+"),
    ]
    assert [(c.field, c.old, c.new) for c in timeline[0].changes] == [("phone", "0755-1", "0755-2")]
    assert response.context["completeness"].overall == 14  # 5 of 37 fields
    assert 'aria-valuenow="14"' in html


def test_card_query_count_does_not_grow_with_contacts_incidents_or_history(
    client, manager, django_assert_num_queries
):
    def card_queries(customer):
        # Session, user, roles, the card with its links, provenance, contacts, incidents,
        # history, one per kind of link named in the history (4 here, and the salesperson),
        # permissions (2), the classification policy (lifecycle), the grade history, the
        # grade levels of the pin form, the visit history, the data form links and the
        # investigations.
        with django_assert_num_queries(21):
            assert client.get(customer.get_absolute_url()).status_code == 200

    client.force_login(manager)
    small = CustomerFactory(code="S1", grade=grade("key"), route=RouteFactory())
    ContactFactory(customer=small)
    CreditIncidentFactory(customer=small)
    card_queries(small)
    big = CustomerFactory(code="B1", grade=grade("key"), route=RouteFactory())
    for n in range(5):
        ContactFactory(customer=big)
        CreditIncidentFactory(customer=big)
        card_update(
            customer=big,
            changes={"phone": f"010-{n}", "address": f"路{n}号"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=n + 1,
        )
    card_queries(big)


def test_another_salespersons_card_and_actions_are_404(client, salesperson, other_salesperson):
    customer = CustomerFactory(salesperson=other_salesperson)
    contact = ContactFactory(customer=customer)
    incident = CreditIncidentFactory(customer=customer)
    client.force_login(salesperson)
    pk = customer.pk
    for name, args in [
        ("detail", [pk]),
        ("edit", [pk]),
        ("contact_create", [pk]),
        ("contact_edit", [pk, contact.pk]),
        ("contact_delete", [pk, contact.pk]),
        ("incident_create", [pk]),
        ("incident_edit", [pk, incident.pk]),
        ("incident_delete", [pk, incident.pk]),
    ]:
        assert client.get(reverse(f"customers:{name}", args=args)).status_code == 404, name
    for name in ("archive", "restore", "edit"):
        assert client.post(reverse(f"customers:{name}", args=[pk])).status_code == 404, name
    assert client.post(reverse("customers:contact_delete", args=[pk, contact.pk])).status_code == (
        404
    )
    customer.refresh_from_db()
    assert (customer.status, customer.version) == (Customer.Status.ACTIVE, 1)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_child_from_another_card_is_404(client, salesperson):
    mine = CustomerFactory(salesperson=salesperson)
    theirs = CustomerFactory()
    contact = ContactFactory(customer=theirs)
    client.force_login(salesperson)
    url = reverse("customers:contact_delete", args=[mine.pk, contact.pk])
    assert client.post(url).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


# Edit --------------------------------------------------------------------------------------


def test_edit_saves_and_shows_in_timeline_with_user_and_channel(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    client.force_login(salesperson)
    data = edit_form(client, customer)
    assert data["version"] == 1
    data.update(phone="0755-2", enterprise_scale="small", credit_limit="80000.00")
    response = client.post(reverse("customers:edit", args=[customer.pk]), data, follow=True)
    assert response.redirect_chain == [(customer.get_absolute_url(), 302)]
    customer.refresh_from_db()
    assert (customer.phone, customer.enterprise_scale, customer.credit_limit) == (
        "0755-2",
        "small",
        Decimal("80000.00"),
    )
    assert customer.version == 2
    entry = response.context["timeline"][0]
    assert (entry.user, entry.channel_label) == (salesperson, "Manual edit")
    assert {(c.field, c.old, c.new) for c in entry.changes} == {
        ("phone", "0755-1", "0755-2"),
        ("enterprise_scale", "", "Small"),
        ("credit_limit", None, Decimal("80000.00")),
    }
    html = response.content.decode()
    assert "Your changes to the card were saved." in html
    assert "0755-2" in html


def test_stale_edit_is_refused_and_keeps_the_first_edit(client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1", address="旧地址")
    client.force_login(salesperson)
    second = edit_form(client, customer)
    client.force_login(manager)
    first = edit_form(client, customer)
    first["phone"] = "0755-2"
    assert client.post(reverse("customers:edit", args=[customer.pk]), first).status_code == 302
    client.force_login(salesperson)
    second["address"] = "新地址"
    history_before = customer.history.count()
    response = client.post(reverse("customers:edit", args=[customer.pk]), second)
    assert response.status_code == 200
    form = response.context["form"]
    [error] = form.non_field_errors()
    assert error.startswith(f"Someone else saved this card first: {manager.get_full_name()} (")
    assert form.conflicts == {"phone": "0755-2", "address": "旧地址"}
    html = response.content.decode()
    assert 'data-testid="saved-value-phone"' in html
    assert 'value="新地址"' in html  # the user's input is kept
    assert form["version"].value() == 2  # saving again is a deliberate overwrite
    customer.refresh_from_db()
    assert (customer.phone, customer.address, customer.version) == ("0755-2", "旧地址", 2)
    assert customer.history.count() == history_before
    latest = customer.history.order_by("-history_id").first()
    assert (latest.history_user, latest.phone) == (manager, "0755-2")


@pytest.mark.parametrize(
    ("field", "value"), [("credit_code", BAD_CREDIT_CODE), ("email", "not-an-email")]
)
def test_invalid_edit_shows_errors_and_changes_nothing(client, salesperson, field, value):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    client.force_login(salesperson)
    data = edit_form(client, customer)
    data.update({field: value, "phone": "0755-2"})
    history_before = customer.history.count()
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    customer.refresh_from_db()
    assert (customer.phone, getattr(customer, field), customer.version) == ("0755-1", "", 1)
    assert customer.history.count() == history_before


def test_salesperson_cannot_reassign_the_salesperson(client, salesperson, other_salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    client.force_login(salesperson)
    data = edit_form(client, customer)
    assert "salesperson" not in data
    data.update(salesperson=other_salesperson.pk, phone="0755-2")
    client.post(reverse("customers:edit", args=[customer.pk]), data)
    customer.refresh_from_db()
    assert (customer.salesperson, customer.phone) == (salesperson, "0755-2")


def test_manager_can_reassign_to_a_salesperson(client, manager, salesperson, other_salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    client.force_login(manager)
    data = edit_form(client, customer)
    data["salesperson"] = other_salesperson.pk
    assert client.post(reverse("customers:edit", args=[customer.pk]), data).status_code == 302
    customer.refresh_from_db()
    assert customer.salesperson == other_salesperson
    data["salesperson"] = manager.pk  # not in the sales group
    data["version"] = 2
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert list(response.context["form"].errors) == ["salesperson"]


def test_user_without_change_permission_gets_403(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    reader = UserFactory(username="reader")
    client.force_login(reader)
    for name in ("edit", "archive"):
        response = client.post(reverse(f"customers:{name}", args=[customer.pk]), {"phone": "1"})
        assert response.status_code == 403, name
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"code": "N1", "name": "X"}).status_code == 403
    customer.refresh_from_db()
    assert (customer.version, customer.status) == (1, Customer.Status.ACTIVE)
    assert not Customer.objects.filter(code="N1").exists()


def test_archive_and_restore_show_messages_and_keep_the_card(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    client.force_login(salesperson)
    archive = reverse("customers:archive", args=[customer.pk])
    assert client.get(archive).status_code == 405
    response = client.post(archive, follow=True)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ARCHIVED
    html = response.content.decode()
    assert "The card was archived." in html
    assert 'data-testid="archived-banner"' in html
    assert reverse("customers:edit", args=[customer.pk]) not in html
    assert reverse("customers:restore", args=[customer.pk]) in html
    response = client.get(reverse("customers:edit", args=[customer.pk]), follow=True)
    assert response.redirect_chain == [(customer.get_absolute_url(), 302)]
    assert "archived and read-only" in response.content.decode()
    response = client.post(reverse("customers:restore", args=[customer.pk]), follow=True)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    assert "The card was restored" in response.content.decode()
    assert reverse("customers:edit", args=[customer.pk]) in response.content.decode()


# Create ------------------------------------------------------------------------------------


def test_salesperson_creates_a_card_that_is_theirs(client, salesperson, other_salesperson):
    client.force_login(salesperson)
    response = client.get(CREATE)
    assert "salesperson" not in response.context["form"].fields
    response = client.post(
        CREATE,
        {
            "code": "N1",
            "name": "新客户",
            "phone": "020-1",
            "salesperson": other_salesperson.pk,
            "founded_on": "2020-05-01",
        },
    )
    customer = Customer.objects.get(code="N1")
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.salesperson, customer.founded_on) == (salesperson, date(2020, 5, 1))
    record = customer.history.get()
    assert (record.history_user, record.history_channel) == (salesperson, Channel.MANUAL)


def test_manager_assigns_the_salesperson_on_create(client, manager, other_salesperson):
    client.force_login(manager)
    client.post(CREATE, {"code": "N1", "name": "新客户", "salesperson": other_salesperson.pk})
    assert Customer.objects.get(code="N1").salesperson == other_salesperson


def test_create_warns_about_duplicates_until_save_anyway(client, salesperson, other_salesperson):
    CustomerFactory(code="MINE", name="华强电子", phone="2", salesperson=salesperson)
    CustomerFactory(
        code="OLD", name="华强贸易", phone="0755-1", address="福田区", salesperson=other_salesperson
    )
    client.force_login(salesperson)
    data = {"code": "NEW", "name": "华强贸易", "phone": "2"}
    response = client.post(CREATE, data)
    assert response.status_code == 200
    duplicates = response.context["duplicates"]
    assert [(d.matches, d.customer) for d in duplicates] == [
        (("phone",), Customer.objects.get(code="MINE")),
        (("name",), None),
    ]
    html = response.content.decode()
    assert "Possible duplicates" in html
    assert "华强电子 (MINE)" in html
    # The colleague's card is announced, but nothing of it is shown.
    assert "A card with this name exists, owned by another salesperson: ask a manager." in html
    for leaked in ("OLD", "0755-1", "福田区", other_salesperson.get_full_name()):
        assert leaked not in html
    assert 'name="save_anyway"' in html
    assert not Customer.objects.filter(code="NEW").exists()
    response = client.post(CREATE, {**data, "save_anyway": "on"})
    assert response.status_code == 302
    assert Customer.objects.get(code="NEW").name == "华强贸易"


def test_create_with_bad_credit_code_shows_error_and_creates_nothing(client, manager):
    client.force_login(manager)
    response = client.post(
        CREATE, {"code": "N1", "name": "X", "credit_code": BAD_CREDIT_CODE, "email": "bad"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"credit_code", "email"}
    assert not Customer.objects.filter(code="N1").exists()


def test_create_refuses_a_code_already_taken(client, manager):
    CustomerFactory(code="N1")
    client.force_login(manager)
    response = client.post(CREATE, {"code": "N1", "name": "Y", "save_anyway": "on"})
    assert list(response.context["form"].errors) == ["code"]
    assert Customer.objects.filter(code="N1").count() == 1


# Contacts and credit incidents -------------------------------------------------------------


def test_contacts_are_added_edited_and_deleted_through_the_card(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    old_primary = ContactFactory(customer=customer, name="旧", is_primary=True)
    client.force_login(salesperson)
    response = client.post(
        reverse("customers:contact_create", args=[customer.pk]),
        {"name": "韩梅梅", "role": "财务", "mobile": "139", "is_primary": "on"},
    )
    assert response["Location"] == f"{customer.get_absolute_url()}#basic"
    contact = customer.contacts.get(name="韩梅梅")
    old_primary.refresh_from_db()
    assert (contact.is_primary, old_primary.is_primary) == (True, False)
    assert contact.history.get().history_user == salesperson

    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    response = client.post(url, {"name": "韩梅梅", "email": "bad", "version": 1})
    assert list(response.context["form"].errors) == ["email"]
    client.post(url, {"name": "韩梅梅", "role": "总经理", "version": 1})
    contact.refresh_from_db()
    assert (contact.role, contact.is_primary, contact.version) == ("总经理", False, 2)

    url = reverse("customers:contact_delete", args=[customer.pk, contact.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"version": 2})
    assert list(customer.contacts.values_list("name", flat=True)) == ["旧"]


def test_credit_incidents_are_added_edited_and_deleted(client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    client.force_login(salesperson)
    create = reverse("customers:incident_create", args=[customer.pk])
    response = client.post(
        create,
        {
            "occurred_on": "2024-05-01",
            "kind": "default",
            "amount": "100.00",
            "resolved_on": "2024-04-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "An incident cannot be resolved before it occurred."
    ]
    assert not CreditIncident.objects.exists()
    response = client.post(
        create, {"occurred_on": "2024-05-01", "kind": "default", "amount": "100.00"}
    )
    assert response["Location"] == f"{customer.get_absolute_url()}#transactions"
    incident = customer.credit_incidents.get()
    assert (incident.kind, incident.amount) == ("default", Decimal("100.00"))
    client.post(
        reverse("customers:incident_edit", args=[customer.pk, incident.pk]),
        {
            "occurred_on": "2024-05-01",
            "kind": "default",
            "amount": "100.00",
            "resolved_on": "2024-06-01",
            "version": 1,
        },
    )
    incident.refresh_from_db()
    assert incident.resolved_on == date(2024, 6, 1)
    client.post(reverse("customers:incident_delete", args=[customer.pk, incident.pk]))
    assert not CreditIncident.objects.exists()


def test_archived_card_refuses_contact_changes(client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    customer_archive(customer=customer, actor=manager)
    client.force_login(salesperson)
    response = client.post(
        reverse("customers:contact_create", args=[customer.pk]), {"name": "韩梅梅"}
    )
    assert response["Location"] == customer.get_absolute_url()
    assert not customer.contacts.exists()
