"""The regrade as a job: applying it opens its job page, which shows the state, the
progress and the outcome; with the database backend a worker runs it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from customers.models import Channel, Customer
from jobs.models import Job
from jobs.services import JobProgress
from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductFactory, SalesRecordFactory

REGRADE = reverse("classification:regrade")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _customers_with_sales(count: int) -> list[Customer]:
    product = ProductFactory(code="P-1")
    customers = []
    for number in range(count):
        customer = CustomerFactory(code=f"C{number}", grade=grade("general"))
        SalesRecordFactory(
            customer=customer,
            product=product,
            date=timezone.localdate(),
            amount=Decimal("600000"),
        )
        customers.append(customer)
    return customers


def _apply(client):
    fingerprint = client.get(REGRADE).context["preview"].fingerprint
    return client.post(REGRADE, {"fingerprint": fingerprint})


@pytest.mark.django_db
def test_applying_a_regrade_opens_its_job_page_showing_done_and_the_summary(client, manager):
    customers = _customers_with_sales(2)
    client.force_login(manager)

    response = _apply(client)

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(response["Location"])
    content = page.content.decode()
    assert 'data-state="done"' in content
    assert "Regrade applied: 2 customers changed grade." in content
    assert "hx-trigger" not in content  # finished: the page stops asking
    assert (job.kind, job.owner, job.state, job.done, job.total) == (
        Job.Kind.REGRADE,
        manager,
        Job.State.DONE,
        2,
        2,
    )
    assert job.result == {"applied": True, "changed": 2, "stale": False}
    assert job.task_result_id
    assert {c.grade.code for c in Customer.objects.filter(pk__in=[c.pk for c in customers])} == {
        "key"
    }


@pytest.mark.django_db
def test_the_regrade_reports_its_progress_a_chunk_of_cards_at_a_time(client, manager, monkeypatch):
    _customers_with_sales(3)
    monkeypatch.setattr("customers.services._CHUNK", 1)
    monkeypatch.setattr("jobs.services.PROGRESS_EVERY", 1)
    written = []
    original = JobProgress._write

    def spy(self):
        written.append((self.done, self.total))
        original(self)

    monkeypatch.setattr(JobProgress, "_write", spy)
    client.force_login(manager)

    _apply(client)

    assert written == [(1, 3), (2, 3), (3, 3)]
    job = Job.objects.get()
    assert (job.done, job.total, job.percent) == (3, 3, 100)


@pytest.mark.django_db
def test_a_failing_regrade_shows_failed_with_its_message_and_changes_nothing(
    client, manager, monkeypatch
):
    (customer,) = _customers_with_sales(1)

    def refuse(*args, **kwargs):
        raise ValidationError("The grade history could not be moved.")

    monkeypatch.setattr("customers.services._grade_periods_move", refuse)
    client.force_login(manager)

    content = client.get(_apply(client)["Location"]).content.decode()

    assert 'data-state="failed"' in content
    assert "The job failed; nothing was changed." in content
    assert "The grade history could not be moved." in content
    customer.refresh_from_db()
    assert (customer.grade.code, customer.version) == ("general", 1)
    assert not Customer.history.filter(history_channel=Channel.REGRADE).exists()
    assert Job.objects.get().state == Job.State.FAILED


@pytest.mark.django_db
def test_an_unexpected_error_shows_no_internals(client, manager, monkeypatch):
    _customers_with_sales(1)

    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("customers.services._grade_periods_move", crash)
    client.force_login(manager)

    content = client.get(_apply(client)["Location"]).content.decode()

    assert "The job failed; nothing was changed." in content
    assert "secret internals" not in content


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_database_backend_the_job_waits_queued_until_a_worker_runs_it(
    client, manager, settings
):
    settings.TASKS = DATABASE_TASKS
    (customer,) = _customers_with_sales(1)
    client.force_login(manager)

    page = _apply(client)["Location"]

    queued = client.get(page).content.decode()
    assert 'data-state="queued"' in queued
    assert 'hx-trigger="every 2s"' in queued
    assert 'data-testid="job-result"' not in queued
    customer.refresh_from_db()
    assert customer.grade.code == "general"
    # htmx asks for the status panel alone.
    panel = client.get(page, headers={"HX-Request": "true"})
    assert panel.content.decode().lstrip().startswith("<section")
    assert "HX-Request" in panel["Vary"]

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    done = client.get(page).content.decode()
    assert 'data-state="done"' in done
    assert "Regrade applied: 1 customer changed grade." in done
    assert "hx-trigger" not in done
    customer.refresh_from_db()
    assert customer.grade.code == "key"
    job = Job.objects.get()
    assert (job.state, job.done, job.total) == (Job.State.DONE, 1, 1)
