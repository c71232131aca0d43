"""Imports started from the admin run as jobs: the upload is kept through the storage API
(any storage, not only a local folder), a worker imports it, the job's page shows the
report."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer
from jobs.models import Job
from sales.models import SalesRecord
from tests.customers.factories import CustomerFactory, RegionFactory
from tests.sales.factories import ProductFactory

SALES_IMPORT = reverse("admin:sales_salesrecord_import")
CUSTOMER_IMPORT = reverse("admin:customers_customer_import")
SALES_CSV = "date,customer,product,quantity,amount\n2026-03-01,C1,P1,2,20.00\n"
IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def known(db):
    CustomerFactory(code="C1")
    ProductFactory(code="P1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_queued_sales_import_is_run_by_the_worker_and_its_page_shows_the_report(
    client, admin_user, known, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STORAGES = IN_MEMORY
    client.force_login(admin_user)

    page = client.post(SALES_IMPORT, {"file": SimpleUploadedFile("sales.csv", SALES_CSV.encode())})[
        "Location"
    ]

    queued = client.get(page).content.decode()
    assert 'data-state="queued"' in queued
    assert 'data-testid="import-summary"' not in queued
    assert SalesRecord.objects.count() == 0

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    done = client.get(page).content.decode()
    assert 'data-state="done"' in done
    assert "Imported 1 rows: 1 new lines, 0 already present." in done
    assert SalesRecord.objects.count() == 1
    assert default_storage.listdir("jobs/uploads") == ([], [])


@pytest.mark.django_db
def test_a_customer_import_reads_the_upload_from_a_storage_without_local_paths(
    client, manager, settings
):
    settings.STORAGES = IN_MEMORY
    manager.is_staff = True
    manager.save()
    RegionFactory(code="GZ", name="广州市")
    client.force_login(manager)
    content = "code,name,region\nN1,新客户,GZ\nN2,另一个,火星\n".encode("gb18030")

    response = client.post(
        CUSTOMER_IMPORT, {"file": SimpleUploadedFile("客户.csv", content)}, follow=True
    )

    page = response.content.decode()
    assert "The file has an error; nothing was imported." in page
    assert "row 3, column region:" in page
    assert "File: 客户.csv" in page
    assert not Customer.objects.filter(code__in=["N1", "N2"]).exists()
    job = Job.objects.get()
    assert (job.kind, job.owner, job.state) == (Job.Kind.CUSTOMER_IMPORT, manager, "done")
    assert job.result["error_count"] == 1


@pytest.mark.django_db
def test_a_salesperson_made_staff_cannot_import_customers(client, salesperson):
    salesperson.is_staff = True
    salesperson.save()
    client.force_login(salesperson)

    response = client.post(CUSTOMER_IMPORT, {"file": SimpleUploadedFile("c.csv", b"code,name\n")})

    assert response.status_code == 403
    assert not Job.objects.exists()
