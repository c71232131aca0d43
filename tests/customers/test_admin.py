"""The admin: every page renders for a superuser, and every write goes through the card
services (history with user and channel "admin"), imports included."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
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


@pytest.fixture
def staff_manager(db):
    """A manager made staff, with the permission to delete customers on top of the role's."""
    user = UserFactory(username="staff-manager", role="manager", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="customers", codename="delete_customer")
    )
    return user


@pytest.mark.parametrize("user", ["admin_user", "staff_manager"])
def test_nobody_can_delete_a_card_in_the_admin_only_archive_it(client, request, user):
    client.force_login(request.getfixturevalue(user))
    customer = CustomerFactory()
    ContactFactory(customer=customer)

    assert client.get(admin_url(Customer, "change", customer.pk)).status_code == 200
    assert client.get(admin_url(Customer, "delete", customer.pk)).status_code == 403
    assert client.post(admin_url(Customer, "delete", customer.pk), {"post": "yes"}).status_code == (
        403
    )
    changelist = client.get(admin_url(Customer, "changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "archive_customers" in actions
    response = client.post(
        admin_url(Customer, "changelist"),
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert customer.contacts.count() == 1


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


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, content: str, **fields):
    return client.post(
        admin_url(Customer, "import"),
        {"file": SimpleUploadedFile("customers.csv", content.encode("gb18030")), **fields},
        follow=True,
    )


def test_the_changelist_links_to_the_import_page(admin_client):
    content = admin_client.get(admin_url(Customer, "changelist")).content.decode()
    assert f'href="{admin_url(Customer, "import")}"' in content
    assert admin_url(Customer, "export") in content


def test_admin_import_with_a_bad_row_imports_nothing_and_names_the_row_on_the_job_page(
    admin_client, salesperson, _media
):
    RegionFactory(code="GZ", name="广州市")

    response = upload(admin_client, CSV_HEADER + "C001,甲,,,GZ,,\nC002,乙,,,火星,,\nC003,丙,,,,,\n")

    content = response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/jobs/")
    assert 'data-state="done"' in content
    assert "The file has an error; nothing was imported." in content
    assert "row 3, column region:" in content
    assert Customer.objects.count() == 0


def test_admin_import_of_a_good_file_saves_with_channel_import_and_the_admin_as_user(
    admin_client, admin_user, salesperson, _media
):
    RegionFactory(code="GZ", name="广州市")

    dry = upload(admin_client, CSV_HEADER + "C001,甲,,,广州市,ordinary,sales1\n", dry_run="on")
    assert "Dry run: all 1 rows are valid. Nothing was saved." in dry.content.decode()
    assert Customer.objects.count() == 0

    response = upload(admin_client, CSV_HEADER + "C001,甲,,,广州市,ordinary,sales1\n")

    assert "Imported 1 rows: 1 new, 0 updated, 0 unchanged." in response.content.decode()
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


# Versions of contacts and incidents ---------------------------------------------------------


@pytest.fixture
def other_admin_client(db):
    """A second superuser in a browser of their own."""
    client = Client()
    client.force_login(UserFactory(username="admin2", is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    ("factory", "field"), [(ContactFactory, "name"), (CreditIncidentFactory, "description")]
)
def test_two_admins_edit_the_same_record_and_the_second_save_is_refused(
    admin_client, other_admin_client, factory, field
):
    record = factory()
    url = admin_url(type(record), "change", record.pk)
    first = form_data(admin_client.get(url))
    second = form_data(other_admin_client.get(url))
    first.update({field: "第一位的修改", "_save": "Save"})
    second.update({field: "第二位的修改", "_save": "Save"})

    assert admin_client.post(url, first).status_code == 302
    response = other_admin_client.post(url, second)

    assert response.status_code == 200
    assert "was changed by someone else" in str(response.context["adminform"].form.errors)
    record.refresh_from_db()
    assert (getattr(record, field), record.version) == ("第一位的修改", 2)


def test_a_stale_inline_contact_is_refused_and_takes_the_card_edit_back_with_it(
    admin_client, other_admin_client
):
    customer = CustomerFactory(name="旧名称")
    contact = ContactFactory(customer=customer, name="王伟", phone="13800000000")
    url = admin_url(Customer, "change", customer.pk)
    first = form_data(admin_client.get(url))
    second = form_data(other_admin_client.get(url))
    first.update({"contacts-0-name": "王伟强", "_save": "Save"})
    second.update({"contacts-0-phone": "13900000000", "name": "新名称", "_save": "Save"})

    assert admin_client.post(url, first).status_code == 302
    response = other_admin_client.post(url, second)

    assert response.status_code == 200
    row = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert "This contact was changed by someone else" in str(row.non_field_errors())
    contact.refresh_from_db()
    customer.refresh_from_db()
    assert (contact.name, contact.phone, contact.version) == ("王伟强", "13800000000", 2)
    assert (customer.name, customer.version) == ("旧名称", 1)


def test_deleting_an_inline_contact_that_changed_meanwhile_is_refused(
    admin_client, other_admin_client
):
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, name="王伟")
    url = admin_url(Customer, "change", customer.pk)
    first = form_data(admin_client.get(url))
    second = form_data(other_admin_client.get(url))
    first.update({"contacts-0-name": "王伟强", "_save": "Save"})
    second.update({"contacts-0-DELETE": "on", "_save": "Save"})

    assert admin_client.post(url, first).status_code == 302
    response = other_admin_client.post(url, second)

    assert response.status_code == 200
    assert "This contact was changed by someone else" in str(
        response.context["adminform"].form.non_field_errors()
    )
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("王伟强", 2)


# The card's rules ---------------------------------------------------------------------------


def _route_elsewhere(customer, salesperson, other_salesperson):
    return {"route": RouteFactory(region=RegionFactory()).pk}


def _route_of_another_salesperson(customer, salesperson, other_salesperson):
    return {"route": RouteFactory(region=customer.region, salesperson=other_salesperson).pk}


def _salesperson_outside_the_sales_group(customer, salesperson, other_salesperson):
    return {"salesperson": UserFactory(username="clerk").pk}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (_route_elsewhere, "route", "Only customers of the route's region"),
        (_route_of_another_salesperson, "route", "is visited by"),
        (_salesperson_outside_the_sales_group, "salesperson", "is not a member of the sales"),
    ],
)
def test_a_card_edit_breaking_the_cards_rules_is_shown_on_the_form_and_saves_nothing(
    admin_client, salesperson, other_salesperson, change, field, message
):
    customer = CustomerFactory(name="旧名称", salesperson=salesperson)
    url = admin_url(Customer, "change", customer.pk)
    data = form_data(admin_client.get(url))
    data.update(name="新名称", _save="Save", **change(customer, salesperson, other_salesperson))

    response = admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    customer.refresh_from_db()
    assert (customer.name, customer.route, customer.salesperson, customer.version) == (
        "旧名称",
        None,
        salesperson,
        1,
    )


def test_a_new_card_breaking_the_cards_rules_is_shown_on_the_form_and_not_created(
    admin_client,
):
    data = form_data(admin_client.get(admin_url(Customer, "add")))
    data.update(code="A001", name="新客户", salesperson=UserFactory().pk, _save="Save")

    response = admin_client.post(admin_url(Customer, "add"), data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["salesperson"]
    assert not Customer.objects.filter(code="A001").exists()


# Scoping ------------------------------------------------------------------------------------


@pytest.fixture
def staff_sales_client(client, salesperson):
    """A salesperson made staff: the sales role's permissions on customers, in the admin."""
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    client.force_login(salesperson)
    return client


def test_a_staff_salesperson_sees_and_edits_only_their_own_customers_in_the_admin(
    staff_sales_client, salesperson, other_salesperson
):
    own = CustomerFactory(code="OWN", salesperson=salesperson)
    other = CustomerFactory(code="OTHER", name="别人的客户", salesperson=other_salesperson)

    changelist = staff_sales_client.get(admin_url(Customer, "changelist"))
    assert [c.code for c in changelist.context["cl"].result_list] == ["OWN"]
    assert staff_sales_client.get(admin_url(Customer, "change", own.pk)).status_code == 200
    assert staff_sales_client.get(admin_url(Customer, "change", other.pk)).status_code == 302
    assert staff_sales_client.get(admin_url(Customer, "history", other.pk)).status_code == 404
    history_id = other.history.get().history_id
    history_url = reverse("admin:customers_customer_simple_history", args=[other.pk, history_id])
    assert staff_sales_client.get(history_url).status_code == 404
    response = staff_sales_client.post(
        admin_url(Customer, "change", other.pk), {"name": "改了", "version": 1, "_save": "Save"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.name, other.version) == ("别人的客户", 1)
    assert staff_sales_client.get(admin_url(Customer, "import")).status_code == 403


def test_a_staff_salesperson_is_offered_only_their_own_customers_for_a_contact(
    staff_sales_client, salesperson, other_salesperson
):
    own = CustomerFactory(code="OWN", salesperson=salesperson)
    other = CustomerFactory(code="OTHER", salesperson=other_salesperson)

    response = staff_sales_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "customers", "model_name": "contact", "field_name": "customer"},
    )
    assert [item["id"] for item in response.json()["results"]] == [str(own.pk)]
    response = staff_sales_client.post(
        admin_url(Contact, "add"), {"customer": other.pk, "name": "王伟", "_save": "Save"}
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["customer"]
    assert not Contact.objects.exists()


def test_a_staff_salesperson_sees_only_the_contacts_and_incidents_of_their_customers(
    staff_sales_client, salesperson, other_salesperson
):
    own = CustomerFactory(salesperson=salesperson)
    other = CustomerFactory(salesperson=other_salesperson)
    mine, theirs = ContactFactory(customer=own), ContactFactory(customer=other)
    my_incident = CreditIncidentFactory(customer=own)
    their_incident = CreditIncidentFactory(customer=other)

    for model, visible, hidden in (
        (Contact, mine, theirs),
        (CreditIncident, my_incident, their_incident),
    ):
        changelist = staff_sales_client.get(admin_url(model, "changelist"))
        assert [row.pk for row in changelist.context["cl"].result_list] == [visible.pk]
        assert staff_sales_client.get(admin_url(model, "change", visible.pk)).status_code == 200
        assert staff_sales_client.get(admin_url(model, "change", hidden.pk)).status_code == 302
        assert staff_sales_client.get(admin_url(model, "history", hidden.pk)).status_code == 404
    for customer in (own, other):
        card_update(
            customer=customer,
            changes={"phone": "020-1"},
            actor=None,
            channel=Channel.IMPORT,
            expected_version=1,
        )
    provenance = staff_sales_client.get(admin_url(FieldProvenance, "changelist"))
    assert [row.customer_id for row in provenance.context["cl"].result_list] == [own.pk]
