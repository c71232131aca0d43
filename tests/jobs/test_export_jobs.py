"""A customer export longer than EXPORT_INLINE_MAX rows is written by a job: same scope,
filters, order and language as an export made at once, offered on the job's page."""

import csv
import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from jobs.models import Job
from tests.customers.factories import CustomerFactory, grade

pytestmark = pytest.mark.django_db

EXPORT = reverse("customers:export")


@pytest.fixture(autouse=True)
def _small_inline_limit(settings, tmp_path):
    settings.EXPORT_INLINE_MAX = 2
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def customers(salesperson, other_salesperson):
    for code in ("K1", "K2", "K3"):
        CustomerFactory(code=code, name=f"主力{code}", salesperson=salesperson, grade=grade("key"))
    CustomerFactory(code="G1", salesperson=salesperson, grade=grade("general"))
    CustomerFactory(code="X1", salesperson=other_salesperson, grade=grade("key"))


def _download(client, job) -> bytes:
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_long_export_becomes_a_job_with_the_filtered_rows_of_the_users_scope(
    client, salesperson, customers
):
    client.force_login(salesperson)

    response = client.get(EXPORT, {"grade": "key", "ordering": "-code", "format": "csv"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "The export of 3 customers is ready." in page
    assert reverse("jobs:file", args=[job.pk]) in page
    assert (job.kind, job.owner, job.state, job.done, job.total) == (
        Job.Kind.CUSTOMER_EXPORT,
        salesperson,
        Job.State.DONE,
        3,
        3,
    )
    text = _download(client, job).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Code", "Name"]
    assert [row[0] for row in rows[1:]] == ["K3", "K2", "K1"]
    assert default_storage.exists(job.result_file.name)


def test_a_short_export_is_still_made_at_once(client, salesperson, customers):
    client.force_login(salesperson)

    response = client.get(EXPORT, {"grade": "general", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert not Job.objects.exists()


def test_the_jobs_file_is_in_the_language_of_the_request(client, manager, customers):
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "xlsx"}, headers={"Accept-Language": "zh-CN"})

    job = Job.objects.get()
    assert response.status_code == 302
    sheet = openpyxl.load_workbook(io.BytesIO(_download(client, job))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称")
    assert len(rows) == 1 + 5
    assert job.result["file_name"].endswith(".xlsx")


def test_another_salesperson_cannot_see_or_download_the_export(
    client, salesperson, other_salesperson, customers
):
    client.force_login(salesperson)
    client.get(EXPORT, {"format": "csv"})
    job = Job.objects.get()

    client.force_login(other_salesperson)

    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_the_file_is_written_through_the_storage_api(client, manager, customers, settings):
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(manager)

    client.get(EXPORT, {"format": "csv"})

    job = Job.objects.get()
    assert default_storage.exists(job.result_file.name)
    assert _download(client, job).decode("utf-8").count("\n") == 1 + 5
