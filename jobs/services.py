"""Jobs: starting slow work as a task and recording how it goes.

`job_start` creates the job and enqueues its task; the task runs its work through `job_run`,
which marks the job running, hands the work a `JobProgress` to report how far it is, and
records the outcome (`job_finish`) or the failure (`job_fail`). The work itself keeps its
all-or-nothing rule: a failed job has changed nothing."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, router
from django.utils import timezone, translation

from jobs.models import Job

# How many rows of work between two progress writes, at most.
PROGRESS_EVERY = 2000


def job_start(*, kind: str, owner, task, **kwargs: Any) -> Job:
    """Create a job of `kind` for `owner` and enqueue `task` with `job_id` and `kwargs`. With
    the immediate backend the task has run when this returns; with a queue backend a worker
    runs it later. The job is saved first, so the task always finds it."""
    job = Job.objects.create(
        owner=owner, kind=kind, language=translation.get_language() or "", total=None
    )
    result = task.enqueue(job_id=job.pk, **kwargs)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


class JobProgress:
    """What a job's work calls as it goes: `progress(done, total=None)`. It writes at most
    every `every` rows (and whenever the total is reached), one UPDATE each time.

    The work usually runs in one transaction (all or nothing), where an UPDATE on the same
    connection would stay invisible to the job's page until the end. On PostgreSQL the
    counters are therefore written through a connection of their own, in autocommit; a
    job row locked by someone else is skipped rather than waited for. SQLite allows one
    writer at a time, so there the counters go with the work's transaction."""

    def __init__(self, job_id: int, *, every: int | None = None):
        self.job_id = job_id
        self.every = every or PROGRESS_EVERY
        self.done = 0
        self.total: int | None = None
        self._written = 0
        self._side = None

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if done - self._written >= self.every or (self.total is not None and done >= self.total):
            self._written = done
            self._write()

    def _write(self) -> None:
        alias = router.db_for_write(Job)
        connection = connections[alias]
        if not (connection.in_atomic_block and connection.vendor == "postgresql"):
            job_progress(job_id=self.job_id, done=self.done, total=self.total)
            return
        if self._side is None:
            self._side = connections.create_connection(alias)
        table = self._side.ops.quote_name(Job._meta.db_table)
        sql = (
            f"UPDATE {table} SET done = %s, total = %s WHERE id IN "  # noqa: S608 (our table)
            f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)"
        )
        with self._side.cursor() as cursor:
            cursor.execute(sql, [self.done, self.total, self.job_id])

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def job_progress(*, job_id: int, done: int, total: int | None = None) -> None:
    """Record how far a job is: one UPDATE of its counters."""
    Job.objects.filter(pk=job_id).update(done=done, total=total)


def job_finish(
    *, job_id: int, result: Any = None, done: int | None = None, total: int | None = None
) -> None:
    """Mark a job done with its `result` (JSON) and its final counters."""
    changes = {"state": Job.State.DONE, "result": result, "finished_at": timezone.now()}
    if done is not None:
        changes.update(done=done, total=total if total is not None else done)
    Job.objects.filter(pk=job_id).update(**changes)


def job_fail(*, job_id: int, message: str = "") -> None:
    """Mark a job failed; `message` says why in words for its owner (empty: the page says
    that it failed and changed nothing)."""
    Job.objects.filter(pk=job_id).update(
        state=Job.State.FAILED, message=message, finished_at=timezone.now()
    )


def job_save_file(*, job_id: int, name: str, content: str | bytes) -> str:
    """Store a job's result file through the default storage (shared by every app server and
    worker) and attach it to the job; returns the stored name."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    stored = default_storage.save(f"jobs/{job_id}/{name}", ContentFile(data))
    Job.objects.filter(pk=job_id).update(result_file=stored)
    return stored


def _failure_message(error: BaseException) -> str:
    # Only refusals written for people are shown; anything else could expose internals.
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return ""


def job_run(*, job_id: int, work: Callable[[JobProgress], Any]) -> Any:
    """Run `work(progress)` as the job's body, in the language of the person who started
    it: the job is running meanwhile, then done with what `work` returns, or failed (and the
    error raised again, so the tasks backend records it too)."""
    job = Job.objects.filter(pk=job_id).only("language").first()
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, started_at=timezone.now())
    progress = JobProgress(job_id)
    try:
        with translation.override(job.language if job and job.language else None):
            result = work(progress)
    except Exception as error:
        job_fail(job_id=job_id, message=_failure_message(error))
        raise
    finally:
        progress.close()
    job_finish(job_id=job_id, result=result, done=progress.done, total=progress.total)
    return result
