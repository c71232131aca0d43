"""A card history at known days: who changed which card, contact or credit incident, through
which channel, when."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Channel, Contact, CreditIncident, Customer
from customers.services import (
    card_update,
    contact_delete,
    contact_save,
    credit_incident_save,
    customer_create,
)
from tests.customers.factories import RegionFactory, customer_type


def day(days_ago: int, hour: int = 10) -> datetime.datetime:
    """`hour` o'clock, `days_ago` days before today, company time."""
    today = timezone.localdate()
    return timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(hour))
    )


def date_last_record(model, when: datetime.datetime) -> None:
    """Move the newest historical record of `model` to `when`."""
    newest = model.history.order_by("-history_id").values_list("history_id", flat=True)[0]
    model.history.filter(history_id=newest).update(history_date=when)


@pytest.fixture
def history(manager, salesperson, admin_user):
    """Card KH001 created by the manager ten days ago; its phone and region changed by the
    salesperson's visit; a contact added, given a role and deleted; a credit incident
    recorded from an investigation; and card KH900 created through the API by the admin two
    days ago."""
    region = RegionFactory(code="SZ", name="苏州市")
    card = customer_create(
        data={
            "code": "KH001",
            "name": "苏州超艺传媒有限公司",
            "phone": "0512-1",
            "salesperson": salesperson,
            "customer_type": customer_type(),
            "region": region,
        },
        actor=manager,
    )
    date_last_record(Customer, day(10))
    card = card_update(
        customer=card,
        changes={"phone": "0512-2", "region": RegionFactory(code="HZ", name="杭州市")},
        actor=salesperson,
        channel=Channel.VISIT,
        expected_version=card.version,
    )
    date_last_record(Customer, day(8))
    contact = contact_save(contact=Contact(customer=card, name="陈静", role="采购"), actor=manager)
    date_last_record(Contact, day(6))
    contact.role = "采购经理"
    contact = contact_save(contact=contact, actor=manager, expected_version=contact.version)
    date_last_record(Contact, day(5))
    incident = credit_incident_save(
        incident=CreditIncident(
            customer=card,
            occurred_on=timezone.localdate() - datetime.timedelta(days=30),
            kind=CreditIncident.Kind.LATE_PAYMENT,
            description="逾期付款",
        ),
        actor=manager,
        channel=Channel.INVESTIGATION,
    )
    date_last_record(CreditIncident, day(4))
    contact_delete(contact=contact, actor=manager, expected_version=contact.version)
    date_last_record(Contact, day(3))
    other = customer_create(
        data={
            "code": "KH900",
            "name": "杭州天益信息有限公司",
            "salesperson": salesperson,
            "customer_type": customer_type(),
        },
        actor=admin_user,
        channel=Channel.API,
    )
    date_last_record(Customer, day(2))
    return {"card": card, "other": other, "incident": incident}
