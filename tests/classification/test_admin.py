"""The reference data admin writes through the classification services: what they refuse
is shown on the page (a form error, a row error or a message) and nothing is saved."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from classification.models import GradeLevel, Region, Route
from classification.services.grading import grade_level_update
from classification.services.regions import region_move
from tests.accounts.factories import UserFactory
from tests.concurrency import race
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory

pytestmark = pytest.mark.django_db


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def form_data(response) -> dict:
    """What the browser would post back from an admin change form, untouched."""
    form = response.context["adminform"].form
    return {
        form.add_prefix(name): "" if form[name].value() is None else form[name].value()
        for name in form.fields
    }


def changelist_data(response) -> dict:
    """What the browser would post back from a changelist's editable rows, untouched."""
    formset = response.context["cl"].formset
    data = {"_save": "Save"}
    for form in [formset.management_form, *formset.forms]:
        for name in form.fields:
            value = form[name].value()
            if value is False:
                continue  # an unticked checkbox is not sent
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Routes -------------------------------------------------------------------------------------


def test_deleting_a_route_with_customers_is_refused_and_leaves_them_on_it(admin_client):
    route = RouteFactory(code="RT1")
    customer = CustomerFactory(route=route, region=route.region)

    response = admin_client.post(admin_url(Route, "delete", route.pk), {"post": "yes"})

    # The database protects a route in use; the admin names the customers that keep it.
    assert response.status_code == 200
    assert "<title>Cannot delete route |" in response.content.decode()
    assert Route.objects.filter(pk=route.pk).exists()
    customer.refresh_from_db()
    assert (customer.route, customer.version, customer.history.count()) == (route, 1, 1)


def test_a_bulk_delete_of_routes_with_one_in_use_deletes_none(admin_client):
    used, unused = RouteFactory(code="RT1"), RouteFactory(code="RT2")
    customer = CustomerFactory(route=used, region=used.region)

    response = admin_client.post(
        admin_url(Route, "changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert "<title>Cannot delete routes |" in response.content.decode()
    assert set(Route.objects.values_list("code", flat=True)) == {"RT1", "RT2"}
    customer.refresh_from_db()
    assert customer.route == used


def test_an_unused_route_is_deleted_through_the_admin(admin_client):
    route = RouteFactory(code="RT1")

    response = admin_client.post(admin_url(Route, "delete", route.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Route.objects.filter(pk=route.pk).exists()


def test_a_route_given_a_salesperson_outside_the_sales_group_is_refused_on_the_form(
    admin_client,
):
    route = RouteFactory(code="RT1", name="一号线")
    url = admin_url(Route, "change", route.pk)
    data = form_data(admin_client.get(url))
    data.update(salesperson=UserFactory(username="clerk").pk, name="新名称", _save="Save")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["salesperson"]
    route.refresh_from_db()
    assert (route.salesperson, route.name) == (None, "一号线")


def test_a_staff_salesperson_sees_only_the_routes_they_ride_in_the_admin(
    client, salesperson, other_salesperson
):
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    client.force_login(salesperson)
    own = RouteFactory(code="OWN", salesperson=salesperson)
    other = RouteFactory(code="OTHER", salesperson=other_salesperson)

    changelist = client.get(admin_url(Route, "changelist"))

    assert [route.code for route in changelist.context["cl"].result_list] == ["OWN"]
    assert client.get(admin_url(Route, "change", own.pk)).status_code == 200
    assert client.get(admin_url(Route, "change", other.pk)).status_code == 302


# Regions ------------------------------------------------------------------------------------


def test_moving_a_region_under_its_own_child_is_refused_on_the_form(admin_client):
    province = RegionFactory(code="GD", name="广东省")
    city = RegionFactory(code="GZ", name="广州市", parent=province)
    url = admin_url(Region, "change", province.pk)
    data = form_data(admin_client.get(url))
    data.update(parent=city.pk, _save="Save")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["parent"] == [
        "A region cannot be moved under itself or under one of its own sub-regions "
        "(广州市 is inside 广东省)."
    ]
    assert dict(Region.objects.values_list("code", "parent__code")) == {"GD": None, "GZ": "GD"}


# Grade levels -------------------------------------------------------------------------------


def test_deactivating_the_level_starting_at_0_in_the_changelist_is_refused_on_its_row(
    admin_client,
):
    changelist = admin_url(GradeLevel, "changelist")
    page = admin_client.get(changelist)
    data = changelist_data(page)
    row = next(
        form.prefix
        for form in page.context["cl"].formset.forms
        if form.instance.code == "scattered"
    )
    del data[f"{row}-is_active"]

    response = admin_client.post(changelist, data)

    assert response.status_code == 200
    refused = next(form for form in response.context["cl"].formset.forms if form.prefix == row)
    assert "must start at 0" in str(refused.non_field_errors())
    assert set(GradeLevel.objects.values_list("code", "is_active")) == {
        ("key", True),
        ("general", True),
        ("scattered", True),
    }


def test_a_change_keeping_the_standards_valid_is_saved_from_the_changelist(admin_client):
    changelist = admin_url(GradeLevel, "changelist")
    page = admin_client.get(changelist)
    data = changelist_data(page)
    row = next(
        form.prefix for form in page.context["cl"].formset.forms if form.instance.code == "key"
    )
    del data[f"{row}-is_active"]

    response = admin_client.post(changelist, data)

    assert response.status_code == 302
    assert set(GradeLevel.objects.values_list("code", "is_active")) == {
        ("key", False),
        ("general", True),
        ("scattered", True),
    }


def test_a_lowest_level_not_starting_at_0_is_refused_on_the_form(admin_client):
    scattered = GradeLevel.objects.get(code="scattered")
    url = admin_url(GradeLevel, "change", scattered.pk)
    data = form_data(admin_client.get(url))
    data.update(min_amount="100.00", _save="Save")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "must start at 0" in str(response.context["adminform"].form.non_field_errors())
    scattered.refresh_from_db()
    assert scattered.min_amount == 0


def test_deleting_the_level_starting_at_0_is_refused_with_a_message(admin_client):
    scattered = GradeLevel.objects.get(code="scattered")

    response = admin_client.post(admin_url(GradeLevel, "delete", scattered.pk), {"post": "yes"})

    assert response.status_code == 302
    assert any("must start at 0" in text for text in messages_of(response))
    assert GradeLevel.objects.filter(pk=scattered.pk).exists()


# The services behind these pages, with two writers at once ----------------------------------
# Each first writer is held after its check of the rules and before its save; the second
# writer runs then (see tests/concurrency.py). With the lock, the second waits
# for the first to commit and then checks what it wrote.

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
)
two_connections = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@postgres_only
@two_connections
def test_two_crossing_region_moves_at_once_cannot_close_a_cycle(monkeypatch, manager):
    first, second = RegionFactory(code="A"), RegionFactory(code="B")

    with pytest.raises(ValidationError) as refused:
        race(
            monkeypatch,
            first=lambda: region_move(region=first, parent=second, actor=manager),
            second=lambda: region_move(region=second, parent=first, actor=manager),
            pause=(Region, "save"),
        )

    assert "cannot be moved under itself" in str(refused.value)
    assert dict(Region.objects.values_list("code", "parent__code")) == {"A": "B", "B": None}


@postgres_only
@two_connections
def test_two_grade_level_changes_at_once_cannot_break_the_standards_together(monkeypatch, manager):
    key, general = GradeLevel.objects.get(code="key"), GradeLevel.objects.get(code="general")

    # Each change alone keeps the minimums falling (500000 > 400000 > 0, 300000 > 50000 > 0);
    # both together would not.
    with pytest.raises(ValidationError) as refused:
        race(
            monkeypatch,
            first=lambda: grade_level_update(
                level=general, changes={"min_amount": Decimal("400000")}, actor=manager
            ),
            second=lambda: grade_level_update(
                level=key, changes={"min_amount": Decimal("300000")}, actor=manager
            ),
            pause=(GradeLevel, "save"),
        )

    assert "must need less than" in str(refused.value)
    assert dict(GradeLevel.objects.values_list("code", "min_amount")) == {
        "key": Decimal("500000"),
        "general": Decimal("400000"),
        "scattered": Decimal("0"),
    }
