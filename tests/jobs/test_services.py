"""Job services: progress written at most every N rows, and seen while the work's
transaction is still open (PostgreSQL)."""

import pytest
from django.db import connection, connections, transaction

from jobs.models import Job
from jobs.services import JobProgress, job_fail, job_finish, job_progress
from tests.jobs.factories import JobFactory


def _counters(job):
    job.refresh_from_db()
    return job.done, job.total


# Committed rows (no test transaction around them): on PostgreSQL, progress told inside a
# transaction goes through a connection of its own, which sees only what is committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_written_at_most_every_n_rows_and_when_the_total_is_reached():
    job = JobFactory()
    progress = JobProgress(job.pk, every=10)

    progress(5, 25)
    assert _counters(job) == (0, None)
    progress(10, 25)
    assert _counters(job) == (10, 25)
    progress(19, 25)
    assert _counters(job) == (10, 25)
    progress(25, 25)
    assert _counters(job) == (25, 25)


@pytest.mark.django_db
def test_finish_and_fail_record_the_outcome():
    done, failed = JobFactory(), JobFactory()

    job_progress(job_id=done.pk, done=3, total=None)
    job_finish(job_id=done.pk, result={"rows": 3}, done=3, total=None)
    job_fail(job_id=failed.pk, message="Unknown encoding x.")

    done.refresh_from_db()
    failed.refresh_from_db()
    assert (done.state, done.done, done.total, done.result) == ("done", 3, 3, {"rows": 3})
    assert done.finished_at is not None
    assert (failed.state, failed.message) == (Job.State.FAILED, "Unknown encoding x.")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_inside_the_works_transaction_is_seen_at_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows one writer: its counters go with the work's transaction")
    job = JobFactory()
    progress = JobProgress(job.pk, every=1)
    reader = connections.create_connection("default")
    try:
        with transaction.atomic():
            progress(5, 10)
            with reader.cursor() as cursor:
                cursor.execute("SELECT done, total FROM jobs_job WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (5, 10)
    finally:
        progress.close()
        reader.close()
