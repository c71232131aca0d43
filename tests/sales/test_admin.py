"""The admin's sales import page: all or nothing through the bulk loader, every bad row
named, dry run, any encoding, and only for those allowed to add sales lines."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from classification.services import lifecycle
from customers.models import Customer
from jobs.models import Job
from sales.models import ProductCategory, SalesRecord
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:sales_salesrecord_import")
CHANGELIST = reverse("admin:sales_salesrecord_changelist")
GOOD_CSV = (
    "date,customer,product,quantity,amount,document_no\n"
    "2026-03-01,C1,P1,2,20.00,单据-1\n"
    "2026-03-01,C1,P2,1,9.90,单据-1\n"
    "2026-03-02,C2,P1,5,50.00,\n"
)


@pytest.fixture
def known():
    CustomerFactory(code="C1")
    CustomerFactory(code="C2")
    ProductFactory(code="P1")
    ProductFactory(code="P2")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, content: bytes, name="sales.csv", **fields):
    """Post the import form and follow to the import job's page."""
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content), **fields}, follow=True)


def test_the_changelist_links_to_the_import_page(admin_client):
    content = admin_client.get(CHANGELIST).content.decode()
    assert f'href="{IMPORT}"' in content
    assert reverse("admin:sales_salesrecord_export") in content
    assert admin_client.get(IMPORT).status_code == 200


def test_a_good_file_imports_every_line(admin_client, known):
    response = upload(admin_client, GOOD_CSV.encode())

    assert response.status_code == 200
    assert "Imported 3 rows: 3 new lines, 0 already present." in response.content.decode()
    assert sorted(SalesRecord.objects.values_list("amount", flat=True)) == [
        Decimal("9.90"),
        Decimal("20.00"),
        Decimal("50.00"),
    ]


def test_importing_the_same_file_again_adds_nothing(admin_client, known):
    upload(admin_client, GOOD_CSV.encode())
    response = upload(admin_client, GOOD_CSV.encode())

    assert "Imported 3 rows: 0 new lines, 3 already present." in response.content.decode()
    assert SalesRecord.objects.count() == 3


def test_a_bad_row_imports_nothing_and_names_row_and_column(admin_client, known):
    bad = GOOD_CSV + "2026-03-03,NOPE,P1,1,1.00,\n2026-13-01,C1,P1,1,1.00,\n"

    content = upload(admin_client, bad.encode()).content.decode()

    assert SalesRecord.objects.count() == 0
    assert "The file has 2 errors; nothing was imported." in content
    assert "row 5, column customer: unknown customer code “NOPE”" in content
    assert "row 6, column date: “2026-13-01” is not a date (YYYY-MM-DD)" in content


def test_a_dry_run_writes_nothing(admin_client, known):
    content = upload(admin_client, GOOD_CSV.encode(), dry_run="on").content.decode()

    assert "Dry run: all 3 rows are valid. Nothing was saved." in content
    assert SalesRecord.objects.count() == 0


def test_a_gb18030_csv_imports(admin_client, known):
    upload(admin_client, GOOD_CSV.encode("gb18030"))
    assert set(SalesRecord.objects.values_list("document_no", flat=True)) == {"单据-1", ""}


def test_the_format_and_encoding_can_be_given(admin_client, known):
    response = upload(
        admin_client,
        GOOD_CSV.encode("gb18030"),
        name="export.txt",
        file_format="csv",
        encoding="gb18030",
    )
    assert "Imported 3 rows" in response.content.decode()
    assert SalesRecord.objects.count() == 3


def test_an_unreadable_file_name_or_encoding_is_an_error(admin_client, known):
    unknown_format = upload(admin_client, GOOD_CSV.encode(), name="sales.txt")
    unknown_encoding = upload(admin_client, GOOD_CSV.encode(), encoding="no-such-encoding")

    assert "Cannot tell the file format of sales.txt" in unknown_format.content.decode()
    assert "Unknown encoding no-such-encoding." in unknown_encoding.content.decode()
    assert SalesRecord.objects.count() == 0


def test_staff_without_the_permission_is_refused(client, known):
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_salesrecord"))
    client.force_login(staff)

    assert client.get(IMPORT).status_code == 403
    assert upload(client, GOOD_CSV.encode()).status_code == 403
    assert f'href="{IMPORT}"' not in client.get(CHANGELIST).content.decode()
    assert SalesRecord.objects.count() == 0


def test_staff_with_the_add_permission_may_import(client, known):
    staff = UserFactory(username="loader", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_salesrecord", "add_salesrecord"])
    )
    client.force_login(staff)

    assert "Imported 3 rows" in upload(client, GOOD_CSV.encode()).content.decode()


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].endswith(f"login/?next={IMPORT}")


def test_a_large_upload_is_imported_from_the_storage_and_then_deleted(
    admin_client, known, settings, tmp_path
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # every upload goes to a temporary file

    response = upload(admin_client, GOOD_CSV.encode("gb18030"))

    assert "Imported 3 rows: 3 new lines" in response.content.decode()
    assert SalesRecord.objects.count() == 3
    assert list((tmp_path / "jobs" / "uploads").iterdir()) == []


def test_the_import_runs_as_a_job_of_the_uploader_with_the_rows_read_as_progress(
    admin_client, admin_user, known
):
    response = upload(admin_client, GOOD_CSV.encode())

    job = Job.objects.get()
    assert response.redirect_chain == [(reverse("jobs:detail", args=[job.pk]), 302)]
    assert (job.kind, job.owner, job.state, job.done, job.total) == (
        Job.Kind.SALES_IMPORT,
        admin_user,
        Job.State.DONE,
        3,
        3,
    )
    assert job.result["new"] == 3


def test_a_category_cannot_be_moved_under_its_own_child_in_the_admin(client, admin_user):
    parent = ProductCategory.objects.create(code="FOOD", name="食品")
    child = ProductCategory.objects.create(code="SNACK", name="零食", parent=parent)
    client.force_login(admin_user)

    response = client.post(
        f"/admin/sales/productcategory/{parent.pk}/change/",
        {"code": "FOOD", "name": "食品", "parent": child.pk, "_save": "Save"},
    )

    assert response.status_code == 200
    assert "A category cannot be placed under itself or one of its children." in (
        response.content.decode()
    )
    parent.refresh_from_db()
    assert parent.parent is None


def test_deleting_sales_lines_in_the_admin_keeps_the_customers_sale_dates_true(client, admin_user):
    customer = CustomerFactory()
    early = SalesRecordFactory(customer=customer, date=date(2024, 1, 5))
    SalesRecordFactory(customer=customer, date=date(2025, 6, 1))
    Customer.objects.filter(pk=customer.pk).update(
        first_sale_on=date(2024, 1, 5), last_sale_on=date(2025, 6, 1)
    )
    client.force_login(admin_user)

    client.post(
        "/admin/sales/salesrecord/",
        {"action": "delete_selected", "_selected_action": [early.pk], "post": "yes"},
    )

    customer.refresh_from_db()
    assert (customer.first_sale_on, customer.last_sale_on) == (date(2025, 6, 1), date(2025, 6, 1))


def test_deleting_the_last_sales_line_in_the_admin_moves_the_last_sale_back(admin_client):
    customer = CustomerFactory()
    SalesRecordFactory(customer=customer, date=date(2024, 1, 5))
    late = SalesRecordFactory(customer=customer, date=date(2025, 6, 1))
    Customer.objects.filter(pk=customer.pk).update(
        first_sale_on=date(2024, 1, 5), last_sale_on=date(2025, 6, 1)
    )

    response = admin_client.post(
        reverse("admin:sales_salesrecord_delete", args=[late.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not SalesRecord.objects.filter(pk=late.pk).exists()
    customer.refresh_from_db()
    assert (customer.first_sale_on, customer.last_sale_on) == (date(2024, 1, 5), date(2024, 1, 5))


def test_deleting_all_of_a_customers_lines_in_the_admin_clears_its_sale_dates(admin_client):
    customer, other = CustomerFactory(), CustomerFactory()
    lines = [
        SalesRecordFactory(customer=customer, date=date(2024, 1, 5)).pk,
        SalesRecordFactory(customer=customer, date=date(2025, 6, 1)).pk,
    ]
    SalesRecordFactory(customer=other, date=date(2025, 3, 1))
    Customer.objects.filter(pk=customer.pk).update(
        first_sale_on=date(2024, 1, 5), last_sale_on=date(2025, 6, 1)
    )
    Customer.objects.filter(pk=other.pk).update(
        first_sale_on=date(2025, 3, 1), last_sale_on=date(2025, 3, 1)
    )

    admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": lines, "post": "yes"}
    )

    assert dict(Customer.objects.values_list("pk", "first_sale_on")) == {
        customer.pk: None,
        other.pk: date(2025, 3, 1),
    }
    customer.refresh_from_db()
    assert customer.last_sale_on is None


def test_an_admin_deletion_whose_sale_date_refresh_fails_deletes_nothing(admin_client, monkeypatch):
    record = SalesRecordFactory(date=date(2024, 1, 5))

    def fail(*, customer_ids):
        raise RuntimeError("refresh failed")

    monkeypatch.setattr(lifecycle, "customer_sale_dates_refresh", fail)
    with pytest.raises(RuntimeError, match="refresh failed"):
        admin_client.post(
            CHANGELIST,
            {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
        )
    assert SalesRecord.objects.filter(pk=record.pk).exists()


def test_a_staff_salesperson_sees_only_the_sales_lines_of_their_customers(client, salesperson):

    salesperson.is_staff = True
    salesperson.save()
    salesperson.user_permissions.add(Permission.objects.get(codename="view_salesrecord"))
    mine = SalesRecordFactory(customer=CustomerFactory(salesperson=salesperson))
    theirs = SalesRecordFactory()
    client.force_login(salesperson)
    response = client.get("/admin/sales/salesrecord/")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert client.get(f"/admin/sales/salesrecord/{theirs.pk}/change/").status_code == 302
