"""The admin of the agencies and investigations: written through the services (a refusal is
shown on the page and stores nothing), an existing investigation read-only, an agency in use
never deleted, and the one scoping rule for staff."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from investigations.models import Agency, Investigation
from tests.customers.factories import CustomerFactory
from tests.investigations.factories import AgencyFactory, InvestigationFactory

pytestmark = pytest.mark.django_db


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_investigation_is_commissioned_through_the_service(admin_client, admin_user):
    customer = CustomerFactory()
    agency = AgencyFactory()
    response = admin_client.post(
        admin_url(Investigation, "add"),
        {
            "customer": customer.pk,
            "agency": agency.pk,
            "requested_on": timezone.localdate().isoformat(),
            "cost": "1500.00",
            "scope": "付款能力",
        },
    )
    assert response.status_code == 302
    investigation = Investigation.objects.get()
    assert investigation.requested_by == admin_user
    assert investigation.cost == Decimal("1500.00")


def test_a_refused_commission_is_shown_on_the_form_and_stores_nothing(admin_client):
    customer = CustomerFactory()
    agency = AgencyFactory()
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = admin_client.post(
        admin_url(Investigation, "add"),
        {"customer": customer.pk, "agency": agency.pk, "requested_on": future, "cost": "1"},
    )
    assert response.status_code == 200
    assert "A request cannot be dated in the future." in response.content.decode()
    assert not Investigation.objects.exists()


def test_an_investigation_is_read_only_and_never_deleted(admin_client, manager):
    investigation = InvestigationFactory(requested_by=manager)
    page = admin_client.get(admin_url(Investigation, "change", investigation.pk))
    assert page.status_code == 200
    assert 'name="cost"' not in page.content.decode()
    response = admin_client.post(
        admin_url(Investigation, "change", investigation.pk), {"cost": "1"}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(admin_url(Investigation, "delete", investigation.pk)).status_code == 403
    )
    investigation.refresh_from_db()
    assert investigation.cost == Decimal("3000.00")


def test_agencies_are_kept_through_the_service_and_one_in_use_is_not_deleted(admin_client, manager):
    response = admin_client.post(
        admin_url(Agency, "add"),
        {"code": "DB", "name": "邓白氏", "name_en": "", "order": "0", "is_active": "on"},
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="DB")
    InvestigationFactory(agency=agency, requested_by=manager)
    response = admin_client.post(admin_url(Agency, "delete", agency.pk), {"post": "yes"})
    assert "Cannot delete investigation agency" in response.content.decode()
    assert Agency.objects.filter(pk=agency.pk).exists()


def test_staff_see_the_investigations_of_their_scope(client, salesperson, other_salesperson):
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    mine = InvestigationFactory(customer=CustomerFactory(salesperson=salesperson))
    theirs = InvestigationFactory(customer=CustomerFactory(salesperson=other_salesperson))
    client.force_login(salesperson)
    page = client.get(admin_url(Investigation, "changelist")).content.decode()
    assert admin_url(Investigation, "change", mine.pk) in page
    assert admin_url(Investigation, "change", theirs.pk) not in page
