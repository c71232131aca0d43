"""The admin: every page renders for a superuser, and every write goes through the card
services (history with user and channel "admin"), imports included."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classification.models import CustomerType, GradeLevel, OwnershipForm
from customers.models import Channel, Contact, CreditIncident, Customer, FieldProvenance
from customers.services import card_update, customer_create
from tests.accounts.factories import UserFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
)

pytestmark = pytest.mark.django_db


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _provenance():
    customer = customer_create(
        data={"code": "P001", "name": "来源公司"}, actor=None, channel=Channel.IMPORT
    )
    return customer.provenance.first()


OBJECTS = {
    "customer": lambda: CustomerFactory(),
    "contact": lambda: ContactFactory(),
    "creditincident": lambda: CreditIncidentFactory(),
    "fieldprovenance": _provenance,
    "customertype": lambda: CustomerType.objects.first(),
    "ownershipform": lambda: OwnershipForm.objects.first(),
    "region": lambda: RegionFactory(parent=RegionFactory()),
    "gradelevel": lambda: GradeLevel.objects.first(),
    "route": lambda: RouteFactory(),
}


@pytest.mark.parametrize("name", OBJECTS)
def test_every_admin_list_and_form_renders_for_a_superuser(admin_client, name):
    obj = OBJECTS[name]()
    model = type(obj)

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "x"}).status_code == 200
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    expected_add = 403 if model is FieldProvenance else 200
    assert admin_client.get(admin_url(model, "add")).status_code == expected_add


def test_customer_history_import_and_export_pages_render(admin_client):
    customer = CustomerFactory()

    for url in (
        admin_url(Customer, "history", customer.pk),
        admin_url(Customer, "import"),
        admin_url(Customer, "export"),
        admin_url(Contact, "import"),
    ):
        assert admin_client.get(url).status_code == 200, url


def form_data(response) -> dict:
    """What the browser would post back from an admin change form, untouched."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            data[form.add_prefix(name)] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_an_admin_edit_lands_in_the_card_history_with_user_and_channel_admin(
    admin_client, admin_user
):
    customer = CustomerFactory(name="旧名称", phone="020-1")
    data = form_data(admin_client.get(admin_url(Customer, "change", customer.pk)))
    data.update(name="新名称", industry="五金建材", _save="Save")

    response = admin_client.post(admin_url(Customer, "change", customer.pk), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.industry, customer.phone, customer.version) == (
        "新名称",
        "五金建材",
        "020-1",
        2,
    )
    latest = customer.history.first()
    assert (latest.history_type, latest.history_channel, latest.history_user) == (
        "~",
        Channel.ADMIN,
        admin_user,
    )
    assert set(
        customer.provenance.values_list("field_name", "channel", "recorded_by", "verified")
    ) == {
        ("name", Channel.ADMIN, admin_user.pk, True),
        ("industry", Channel.ADMIN, admin_user.pk, True),
    }


def test_an_admin_add_creates_the_card_through_the_service(admin_client, admin_user):
    region = RegionFactory()
    data = form_data(admin_client.get(admin_url(Customer, "add")))
    data.update(code="A001", name="新客户有限公司", region=region.pk, _save="Save")

    response = admin_client.post(admin_url(Customer, "add"), data)

    assert response.status_code == 302
    customer = Customer.objects.get(code="A001")
    assert (customer.name, customer.region, customer.version) == ("新客户有限公司", region, 1)
    history = customer.history.get()
    assert (history.history_type, history.history_channel, history.history_user) == (
        "+",
        Channel.ADMIN,
        admin_user,
    )
    assert set(customer.provenance.values_list("field_name", flat=True)) == {
        "code",
        "name",
        "region",
    }


def test_a_stale_admin_edit_is_refused_and_keeps_the_other_edit(admin_client, manager):
    customer = CustomerFactory(name="旧名称")
    data = form_data(admin_client.get(admin_url(Customer, "change", customer.pk)))
    card_update(
        customer=customer,
        changes={"name": "别人的修改"},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    data.update(name="我的修改", _save="Save")

    response = admin_client.post(admin_url(Customer, "change", customer.pk), data)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("别人的修改", 2)


def test_an_archived_card_is_read_only_in_the_admin(admin_client):
    customer = CustomerFactory(name="旧名称", status=Customer.Status.ARCHIVED)
    response = admin_client.get(admin_url(Customer, "change", customer.pk))
    data = form_data(response)
    data.update(name="新名称", _save="Save")

    assert "name" not in response.context["adminform"].form.fields
    admin_client.post(admin_url(Customer, "change", customer.pk), data)

    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("旧名称", 1)


def test_an_inline_contact_is_saved_through_the_contact_service(admin_client, admin_user):
    customer = CustomerFactory()
    data = form_data(admin_client.get(admin_url(Customer, "change", customer.pk)))
    data.update(
        {
            "contacts-TOTAL_FORMS": "1",
            "contacts-0-name": "王伟",
            "contacts-0-role": "采购经理",
            "contacts-0-is_primary": "on",
            "contacts-0-customer": customer.pk,
            "_save": "Save",
        }
    )

    response = admin_client.post(admin_url(Customer, "change", customer.pk), data)

    assert response.status_code == 302
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.is_primary) == ("王伟", True)
    assert (contact.history.get().history_channel, contact.history.get().history_user) == (
        Channel.ADMIN,
        admin_user,
    )
    customer.refresh_from_db()
    assert customer.version == 1  # no card field changed


def test_archive_and_restore_actions_go_through_the_services(admin_client, admin_user):
    first, second = CustomerFactory(), CustomerFactory()
    changelist = admin_url(Customer, "changelist")

    admin_client.post(
        changelist, {"action": "archive_customers", "_selected_action": [first.pk, second.pk]}
    )

    first.refresh_from_db()
    assert (first.status, first.version) == (Customer.Status.ARCHIVED, 2)
    assert first.history.first().history_channel == Channel.ADMIN
    assert Customer.objects.filter(status=Customer.Status.ARCHIVED).count() == 2

    admin_client.post(changelist, {"action": "restore_customers", "_selected_action": [first.pk]})

    first.refresh_from_db()
    assert (first.status, first.archived_at, first.version) == (Customer.Status.ACTIVE, None, 3)
    assert first.history.first().history_user == admin_user


def test_staff_who_are_not_superusers_cannot_delete_a_customer(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="customers",
            codename__in=["view_customer", "change_customer", "delete_customer"],
        )
    )
    customer = CustomerFactory()
    client.force_login(staff)

    assert client.get(admin_url(Customer, "change", customer.pk)).status_code == 200
    assert client.get(admin_url(Customer, "delete", customer.pk)).status_code == 403
    assert client.post(admin_url(Customer, "delete", customer.pk), {"post": "yes"}).status_code == (
        403
    )
    changelist = client.get(admin_url(Customer, "changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "archive_customers" in actions
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_superuser_gets_the_delete_confirmation_page(admin_client):
    customer = CustomerFactory()

    response = admin_client.get(admin_url(Customer, "delete", customer.pk))

    assert response.status_code == 200
    assert "Are you sure" in response.content.decode()


def test_reverting_from_history_is_disabled(admin_client):
    customer = CustomerFactory()
    history_id = customer.history.get().history_id
    url = reverse("admin:customers_customer_simple_history", args=[customer.pk, history_id])

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": "x"}).status_code == 403


def test_provenance_cannot_be_changed_in_the_admin(admin_client):
    provenance = _provenance()

    response = admin_client.post(
        admin_url(FieldProvenance, "change", provenance.pk), {"channel": Channel.API}
    )

    assert response.status_code == 403


def test_credit_incident_admin_saves_through_the_service(admin_client, admin_user):
    customer = CustomerFactory()
    data = form_data(admin_client.get(admin_url(CreditIncident, "add")))
    data.update(
        customer=customer.pk,
        occurred_on="2025-03-01",
        kind=CreditIncident.Kind.DEFAULT,
        amount="1200.50",
        _save="Save",
    )

    response = admin_client.post(admin_url(CreditIncident, "add"), data)

    assert response.status_code == 302
    incident = CreditIncident.objects.get(customer=customer)
    assert incident.history.get().history_channel == Channel.ADMIN


def test_an_archived_cards_contacts_and_incidents_are_read_only_in_the_admin(admin_client):
    customer = CustomerFactory(status=Customer.Status.ARCHIVED)
    contact = ContactFactory(customer=customer, name="旧联系人")
    data = form_data(admin_client.get(admin_url(Customer, "change", customer.pk)))
    data.update(
        {
            "contacts-TOTAL_FORMS": "2",
            "contacts-1-name": "新联系人",
            "contacts-1-customer": customer.pk,
            "_save": "Save",
        }
    )

    admin_client.post(admin_url(Customer, "change", customer.pk), data)
    added = admin_client.post(
        admin_url(CreditIncident, "add"),
        {"customer": customer.pk, "occurred_on": "2025-03-01", "kind": "default"},
    )

    assert added.status_code == 200
    assert "An archived card cannot be changed; restore it first." in added.content.decode()
    assert (
        admin_client.get(admin_url(Contact, "change", contact.pk)).context["has_change_permission"]
        is False
    )
    assert list(customer.contacts.values_list("name", flat=True)) == ["旧联系人"]
    assert not customer.credit_incidents.exists()


CSV_HEADER = "code,name,phone,address,region,customer_type,salesperson\n"


def upload(client, content: str):
    return client.post(
        admin_url(Customer, "import"),
        {
            "import_file": SimpleUploadedFile("customers.csv", content.encode("gb18030")),
            "format": "0",
            "resource": "0",
        },
    )


def test_admin_import_with_a_bad_row_offers_no_confirmation_and_writes_nothing(
    admin_client, salesperson
):
    RegionFactory(code="GZ", name="广州市")

    response = upload(admin_client, CSV_HEADER + "C001,甲,,,GZ,,\nC002,乙,,,火星,,\nC003,丙,,,,,\n")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    invalid = response.context["result"].invalid_rows
    assert [(row.number, list(row.field_specific_errors)) for row in invalid] == [(2, ["region"])]
    assert Customer.objects.count() == 0


def test_admin_import_of_a_good_file_saves_with_channel_import_and_the_admin_as_user(
    admin_client, admin_user, salesperson
):
    RegionFactory(code="GZ", name="广州市")
    response = upload(admin_client, CSV_HEADER + "C001,甲,,,广州市,ordinary,sales1\n")
    confirm = response.context["confirm_form"]
    assert Customer.objects.count() == 0

    response = admin_client.post(admin_url(Customer, "process_import"), confirm.initial)

    assert response.status_code == 302
    customer = Customer.objects.get(code="C001")
    assert (customer.region.code, customer.salesperson) == ("GZ", salesperson)
    history = customer.history.get()
    assert (history.history_channel, history.history_user) == (Channel.IMPORT, admin_user)


def test_making_another_contact_primary_in_the_admin_demotes_the_first(admin_client):
    first = ContactFactory(is_primary=True)
    second = ContactFactory(customer=first.customer, is_primary=False)
    data = form_data(admin_client.get(admin_url(Contact, "change", second.pk)))
    data.update(is_primary="on", _save="Save")

    response = admin_client.post(admin_url(Contact, "change", second.pk), data)

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
