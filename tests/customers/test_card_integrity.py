"""The card never loses a write: every page and endpoint that writes a card, a contact, an
incident or a route changes only what it shows or was sent; the card's rules hold whatever
the channel; grade history is never rewritten; what a user may not see stays unseen."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from classification.services.routes import route_add_customer, route_update
from customers.models import Channel, Contact, Customer, GradeHistory
from customers.resources import CustomerResource
from customers.services import (
    RecordConflict,
    card_set_grade,
    card_update,
    contact_save,
    customer_create,
)
from dataexchange.services import import_file
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
)
from tests.html_forms import form_as_rendered
from tests.sales.factories import SalesRecordFactory

pytestmark = pytest.mark.django_db

BOOKKEEPING = {"version", "updated_at"}


def snapshot(instance, *, without=()) -> dict:
    """Every stored column of `instance`, read again from the database."""
    instance = type(instance).objects.get(pk=instance.pk)
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in BOOKKEEPING | set(without)
    }


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def region():
    return RegionFactory(code="SZ", name="深圳")


@pytest.fixture
def full_card(salesperson, region):
    """A card with something in every kind of field, planning and location included, on a
    route its salesperson rides, with a stop position and a sale the loader recorded."""
    route = RouteFactory(code="R1", region=region, salesperson=salesperson)
    customer = CustomerFactory(
        salesperson=salesperson,
        region=region,
        route=route,
        route_position=4,
        short_name="华强",
        email="buy@example.com",
        website="https://example.com",
        founded_on=datetime.date(2001, 5, 4),
        organization_form=Customer.OrganizationForm.LIMITED_LIABILITY,
        registered_capital=Decimal("1000000.00"),
        development_potential=Customer.Level.HIGH,
        sales_capacity="强\n多门店",
        cooperation_attitude=Customer.Attitude.POSITIVE,
        credit_rating=Customer.CreditRating.AA,
        credit_limit=Decimal("50000.00"),
        discount_rate=Decimal("2.50"),
        planned_first_deal_on=datetime.date(2027, 1, 15),
        latitude=Decimal("22.543096"),
        longitude=Decimal("114.057865"),
        visit_frequency="monthly",
        last_sale_on=None,
    )
    return customer


# 1. A page changes only what it shows ------------------------------------------------------


@pytest.mark.parametrize("role", ["salesperson", "manager"])
def test_the_edit_page_renders_every_field_its_form_saves(client, full_card, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("customers:edit", args=[full_card.pk]))
    _data, names = form_as_rendered(response.content.decode())
    form = response.context["form"]
    assert sorted(names) == sorted([*form.fields, "csrfmiddlewaretoken"])
    for planning in ("planned_first_deal_on", "latitude", "longitude", "visit_frequency"):
        assert planning in names
    assert "Use my current location" in response.content.decode()


@pytest.mark.parametrize("role", ["salesperson", "manager"])
def test_saving_the_edit_page_as_rendered_changes_only_the_typed_field(
    client, full_card, role, request
):
    user = request.getfixturevalue(role)
    before = snapshot(full_card, without={"phone"})
    client.force_login(user)
    url = reverse("customers:edit", args=[full_card.pk])
    data, _names = form_as_rendered(client.get(url).content.decode())
    data["phone"] = "0755-88888888"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    assert snapshot(full_card, without={"phone"}) == before
    full_card.refresh_from_db()
    assert (full_card.phone, full_card.version) == ("0755-88888888", 2)
    # The prospect with a planned first deal is still "about to transact".
    assert full_card.planned_first_deal_on == datetime.date(2027, 1, 15)


def test_a_salesperson_cannot_change_a_cards_code(client, full_card, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("customers:edit", args=[full_card.pk]))
    assert "code" not in response.context["form"].fields
    assert full_card.code in response.content.decode()  # shown, not editable

    response = api(salesperson).patch(
        f"/api/v1/customers/{full_card.pk}/", {"code": "NEW", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": ["Only a manager can change a customer's code."]}
    full_card.refresh_from_db()
    assert (full_card.code, full_card.version) != ("NEW", 2)


def test_the_contact_page_saved_as_rendered_changes_only_the_typed_field(client, salesperson):
    contact = ContactFactory(
        customer=CustomerFactory(salesperson=salesperson),
        role="采购",
        mobile="139",
        email="li@example.com",
        notes="周一在",
        is_primary=True,
    )
    before = snapshot(contact, without={"phone"})
    client.force_login(salesperson)
    url = reverse("customers:contact_edit", args=[contact.customer_id, contact.pk])
    data, names = form_as_rendered(client.get(url).content.decode())
    assert "version" in names
    data["phone"] = "020-1"

    assert client.post(url, data).status_code == 302
    assert snapshot(contact, without={"phone"}) == before
    contact.refresh_from_db()
    assert (contact.phone, contact.version) == ("020-1", 2)


def test_the_incident_page_saved_as_rendered_changes_only_the_typed_field(client, salesperson):
    incident = CreditIncidentFactory(
        customer=CustomerFactory(salesperson=salesperson),
        occurred_on=datetime.date(2025, 3, 1),
        resolved_on=datetime.date(2025, 4, 1),
        resolution="已还款",
    )
    before = snapshot(incident, without={"description"})
    client.force_login(salesperson)
    url = reverse("customers:incident_edit", args=[incident.customer_id, incident.pk])
    data, _names = form_as_rendered(client.get(url).content.decode())
    data["description"] = "逾期三十天"

    assert client.post(url, data).status_code == 302
    assert snapshot(incident, without={"description"}) == before
    incident.refresh_from_db()
    assert (incident.description, incident.version) == ("逾期三十天", 2)


def test_the_route_page_saved_as_rendered_changes_only_the_typed_field(
    client, manager, salesperson, region
):
    route = RouteFactory(
        region=region,
        salesperson=salesperson,
        name_en="Nanshan",
        start_latitude=Decimal("22.5"),
        start_longitude=Decimal("113.9"),
        visit_frequency="fortnightly",
        first_visit_on=datetime.date(2026, 1, 5),
        order=3,
    )
    before = snapshot(route, without={"name"})
    client.force_login(manager)
    url = reverse("classification:route_edit", args=[route.pk])
    data, _names = form_as_rendered(client.get(url).content.decode())
    data["name"] = "南山新线"

    assert client.post(url, data).status_code == 302
    assert snapshot(route, without={"name"}) == before
    route.refresh_from_db()
    assert route.name == "南山新线"


@pytest.mark.parametrize("role", ["salesperson", "manager"])
def test_an_api_put_of_what_was_read_changes_nothing(full_card, role, request):
    client = api(request.getfixturevalue(role))
    url = f"/api/v1/customers/{full_card.pk}/"
    before = snapshot(full_card)
    body = client.get(url).json()

    response = client.put(url, body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1
    assert snapshot(full_card) == before


def test_an_api_patch_changes_only_the_fields_sent(full_card, salesperson):
    before = snapshot(full_card, without={"phone"})
    response = api(salesperson).patch(
        f"/api/v1/customers/{full_card.pk}/", {"phone": "1", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert snapshot(full_card, without={"phone"}) == before


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/contacts/", lambda customer: ContactFactory(customer=customer, notes="x")),
        (
            "/api/v1/credit-incidents/",
            lambda customer: CreditIncidentFactory(customer=customer, resolution="y"),
        ),
    ],
)
def test_an_api_put_of_a_record_as_read_changes_nothing(salesperson, url, make):
    record = make(CustomerFactory(salesperson=salesperson))
    client = api(salesperson)
    before = snapshot(record)
    body = client.get(f"{url}{record.pk}/").json()
    response = client.put(f"{url}{record.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1
    assert snapshot(record) == before


def test_an_api_put_of_a_route_as_read_changes_nothing(manager, salesperson, region):
    route = RouteFactory(
        region=region,
        salesperson=salesperson,
        start_latitude=Decimal("22.5"),
        start_longitude=Decimal("113.9"),
        first_visit_on=datetime.date(2026, 1, 5),
    )
    client = api(manager)
    before = snapshot(route)
    body = client.get(f"/api/v1/routes/{route.pk}/").json()
    response = client.put(f"/api/v1/routes/{route.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert snapshot(route) == before


# 3. Contacts and incidents refuse a stale edit ---------------------------------------------


def test_a_stale_contact_edit_is_refused_and_keeps_the_first_edit(client, salesperson, manager):
    contact = ContactFactory(customer=CustomerFactory(salesperson=salesperson), role="采购")
    url = reverse("customers:contact_edit", args=[contact.customer_id, contact.pk])
    client.force_login(salesperson)
    mine, _names = form_as_rendered(client.get(url).content.decode())

    theirs = Contact.objects.get(pk=contact.pk)
    theirs.role = "经理"
    contact_save(contact=theirs, actor=manager, expected_version=1)

    mine["role"] = "财务"
    response = client.post(url, mine)
    assert response.status_code == 200
    assert "Someone else saved this record first" in response.content.decode()
    contact.refresh_from_db()
    assert (contact.role, contact.version) == ("经理", 2)

    response = api(salesperson).patch(
        f"/api/v1/contacts/{contact.pk}/", {"role": "财务", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["current_version"] == 2
    contact.refresh_from_db()
    assert contact.role == "经理"


def test_a_stale_incident_delete_is_refused(client, salesperson, manager):
    incident = CreditIncidentFactory(customer=CustomerFactory(salesperson=salesperson))
    url = reverse("customers:incident_delete", args=[incident.customer_id, incident.pk])
    client.force_login(salesperson)
    confirm, _names = form_as_rendered(client.get(url).content.decode())
    assert confirm["version"] == "1"

    incident.description = "改过"
    incident.save()
    type(incident).objects.filter(pk=incident.pk).update(version=2)

    response = client.post(url, confirm, follow=True)
    assert "it was not deleted" in response.content.decode()
    assert type(incident).objects.filter(pk=incident.pk).exists()


def test_an_update_without_the_version_it_was_made_on_is_a_programming_error(manager):
    contact = ContactFactory()
    contact.role = "x"
    with pytest.raises(ValueError, match="version"):
        contact_save(contact=contact, actor=manager)


def test_a_record_edited_after_it_was_deleted_is_a_conflict(manager):
    contact = ContactFactory()
    Contact.objects.filter(pk=contact.pk).delete()
    contact.role = "x"
    with pytest.raises(RecordConflict, match="deleted by someone else"):
        contact_save(contact=contact, actor=manager, expected_version=1)


# 4. Grade history is never rewritten -------------------------------------------------------


def _graded(manager, *, since: datetime.date) -> Customer:
    customer = CustomerFactory()
    card_set_grade(
        customer=customer,
        grade=grade("general"),
        pinned=False,
        reason="",
        actor=manager,
        expected_version=1,
        on_date=since,
    )
    return Customer.objects.get(pk=customer.pk)


def test_a_grade_change_dated_before_the_open_period_is_refused(manager):
    today = timezone.localdate()
    customer = _graded(manager, since=today)
    periods = list(GradeHistory.objects.filter(customer=customer).values_list())

    with pytest.raises(ValidationError, match="already runs from"):
        card_set_grade(
            customer=customer,
            grade=grade("key"),
            pinned=True,
            reason="补录",
            actor=manager,
            expected_version=customer.version,
            on_date=today - datetime.timedelta(days=40),
        )

    assert list(GradeHistory.objects.filter(customer=customer).values_list()) == periods
    customer.refresh_from_db()
    assert (customer.grade, customer.grade_pinned) == (grade("general"), False)


def test_a_grade_change_dated_in_the_future_is_refused(manager):
    customer = CustomerFactory()
    with pytest.raises(ValidationError, match="day to come"):
        card_set_grade(
            customer=customer,
            grade=grade("key"),
            pinned=True,
            reason="预定",
            actor=manager,
            expected_version=1,
            on_date=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert not GradeHistory.objects.exists()


def test_a_backdated_regrade_is_refused_and_changes_nothing(manager):
    today = timezone.localdate()
    customer = _graded(manager, since=today)
    SalesRecordFactory(customer=customer, date=today - datetime.timedelta(days=60))
    periods = list(GradeHistory.objects.values_list())

    with pytest.raises(CommandError, match="already runs from"):
        call_command("regrade", "--date", str(today - datetime.timedelta(days=40)))

    assert list(GradeHistory.objects.values_list()) == periods
    customer.refresh_from_db()
    assert customer.grade == grade("general")


def test_the_database_refuses_a_period_that_ends_before_it_starts(manager):
    customer = _graded(manager, since=timezone.localdate())
    with pytest.raises(IntegrityError), transaction.atomic():
        GradeHistory.objects.filter(customer=customer).update(
            valid_to=timezone.localdate() - datetime.timedelta(days=1)
        )


# 6. Routes: own routes only, and a route's customers are its rider's -----------------------


def test_a_salesperson_chooses_only_their_own_routes(
    client, salesperson, other_salesperson, region
):
    customer = CustomerFactory(salesperson=salesperson, region=region)
    own = RouteFactory(code="OWN", region=region, salesperson=salesperson)
    theirs = RouteFactory(code="THEIRS", region=region, salesperson=other_salesperson)
    unridden = RouteFactory(code="NOBODY", region=region, salesperson=None)
    client.force_login(salesperson)
    url = reverse("customers:edit", args=[customer.pk])
    data, _names = form_as_rendered(client.get(url).content.decode())
    assert set(client.get(url).context["form"].fields["route"].queryset) == {own}

    data["route"] = str(theirs.pk)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "route" in response.context["form"].errors

    for route in (theirs, unridden):
        response = api(salesperson).patch(
            f"/api/v1/customers/{customer.pk}/",
            {"route": route.code, "version": 1},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"route": ["You can put customers only on the routes you visit."]}
    customer.refresh_from_db()
    assert (customer.route, customer.version) == (None, 1)

    data["route"] = str(own.pk)
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.route == own


def test_a_manager_moving_a_customer_to_another_salespersons_route_is_told_to_reassign(
    manager, salesperson, other_salesperson, region
):
    customer = CustomerFactory(salesperson=salesperson, region=region)
    theirs = RouteFactory(code="THEIRS", region=region, salesperson=other_salesperson)
    client = api(manager)

    response = client.patch(
        f"/api/v1/customers/{customer.pk}/", {"route": "THEIRS", "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert f"is visited by {other_salesperson.get_full_name()}" in response.json()["route"][0]

    response = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"route": "THEIRS", "salesperson": other_salesperson.username, "version": 1},
        format="json",
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.route, customer.salesperson) == (theirs, other_salesperson)

    # Giving the customer back to the first salesperson alone would split it from its route.
    response = client.patch(
        f"/api/v1/customers/{customer.pk}/",
        {"salesperson": salesperson.username, "version": 2},
        format="json",
    )
    assert response.status_code == 400
    assert "route" in response.json()


def test_handing_a_route_to_another_salesperson_hands_over_its_customers(
    manager, salesperson, other_salesperson, region
):
    route = RouteFactory(region=region, salesperson=salesperson)
    stops = [CustomerFactory(salesperson=salesperson, region=region) for _n in range(2)]
    for stop in stops:
        route_add_customer(route=route, customer=stop, actor=manager)

    route_update(route=route, changes={"salesperson": other_salesperson}, actor=manager)

    assert {c.salesperson for c in Customer.objects.filter(route=route)} == {other_salesperson}
    record = Customer.history.filter(id=stops[0].pk).latest()
    assert (record.history_user, record.salesperson_id) == (manager, other_salesperson.pk)


def test_a_customer_without_a_salesperson_put_on_a_route_becomes_its_riders(
    manager, salesperson, region
):
    route = RouteFactory(region=region, salesperson=salesperson)
    customer = CustomerFactory(salesperson=None, region=region)
    route_add_customer(route=route, customer=customer, actor=manager)
    customer.refresh_from_db()
    assert (customer.route, customer.salesperson) == (route, salesperson)


# 7. The card's rules live in the card's service --------------------------------------------


def test_an_import_cannot_assign_a_card_to_somebody_outside_the_sales_group(manager):
    data = b"code,name,salesperson\nN1,New,manager\n"
    report = import_file(resource=CustomerResource, path_or_bytes=data, file_format="csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "salesperson")]
    assert "not a member of the sales group" in report.errors[0].message
    assert not Customer.objects.filter(code="N1").exists()

    existing = CustomerFactory(code="E1", name="Old")
    data = b"code,name,salesperson\nE1,Old,manager\n"
    report = import_file(resource=CustomerResource, path_or_bytes=data, file_format="csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "salesperson")]
    existing.refresh_from_db()
    assert existing.salesperson != manager


def test_every_channel_refuses_a_salesperson_outside_the_sales_group(manager):
    with pytest.raises(ValidationError) as refused:
        customer_create(
            data={"code": "N1", "name": "X", "salesperson": manager},
            actor=None,
            channel=Channel.IMPORT,
        )
    assert list(refused.value.message_dict) == ["salesperson"]
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        card_update(
            customer=customer,
            changes={"salesperson": manager},
            actor=manager,
            channel=Channel.ADMIN,
            expected_version=1,
        )


def test_a_salesperson_cannot_give_a_card_away(salesperson, other_salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    with pytest.raises(ValidationError) as refused:
        card_update(
            customer=customer,
            changes={"salesperson": other_salesperson},
            actor=salesperson,
            channel=Channel.VISIT,
            expected_version=1,
        )
    assert refused.value.message_dict == {
        "salesperson": ["Sales staff can only assign customers to themselves."]
    }


# 10. The duplicate warning keeps to the user's scope ----------------------------------------


def test_the_api_duplicate_warning_shows_nothing_of_a_colleagues_card(
    salesperson, other_salesperson
):
    CustomerFactory(code="THEIRS", name="华强贸易", phone="0755-1", salesperson=other_salesperson)
    response = api(salesperson).post(
        "/api/v1/customers/", {"code": "N1", "name": "新公司", "phone": "0755-1"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["duplicates"] == [
        {"matches": ["phone"], "in_scope": False, "code": None, "name": None}
    ]


def test_no_path_takes_customers_off_a_route_by_deleting_it(
    manager, admin_user, salesperson, region
):
    route = RouteFactory(region=region, salesperson=salesperson)
    customer = CustomerFactory(salesperson=salesperson, region=region)
    route_add_customer(route=route, customer=customer, actor=manager)

    with pytest.raises(ProtectedError), transaction.atomic():
        route.delete()
    response = api(admin_user).delete(f"/api/v1/routes/{route.pk}/")
    assert response.status_code == 409

    customer.refresh_from_db()
    assert (customer.route, customer.version) == (route, 2)
