"""Tasks of general use: importing an uploaded file into a resource as a job."""

import os
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename
from django_tasks import task

from dataexchange.formats import FileReadError
from dataexchange.services import ImportReport, RowError, import_file
from jobs.models import Job
from jobs.services import job_run, job_start

# A report lists at most this many bad rows (the count says how many there were).
MAX_REPORTED_ERRORS = 1000


def _local_path_or_bytes(name: str):
    """What `import_file` reads: the stored file's path when the storage is a local folder
    (large files then stream from disk), else its bytes."""
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        path = None
    # Some storages name a path without keeping the file there (in memory, say).
    if path is not None and os.path.isfile(path):
        return path
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def report_as_json(report: ImportReport, *, file_name: str) -> dict:
    """An import report as the job's result: counts and the bad rows, row numbers included."""
    return {
        "ok": report.ok,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": [str(error) for error in report.errors[:MAX_REPORTED_ERRORS]],
        "error_count": len(report.errors),
        "file_name": file_name,
    }


@task()
def import_file_task(
    *,
    job_id: int,
    resource: str,
    stored_name: str,
    file_name: str,
    file_format: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    actor_id: int | None = None,
) -> dict:
    """Import the uploaded file kept in the default storage as `stored_name` into
    `resource` (a dotted path) through `dataexchange.services.import_file`, all or nothing,
    reporting the rows read as progress; the upload is deleted afterwards."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None

    def work(progress) -> dict:
        try:
            report = import_file(
                resource=resource,
                path_or_bytes=_local_path_or_bytes(stored_name),
                file_name=file_name,
                file_format=file_format,
                encoding=encoding,
                dry_run=dry_run,
                actor=actor,
                progress=progress,
            )
        except FileReadError as error:
            report = ImportReport(dry_run=dry_run)
            report.errors.append(RowError(None, "", str(error)))
        return report_as_json(report, file_name=file_name)

    try:
        return job_run(job_id=job_id, work=work)
    finally:
        default_storage.delete(stored_name)


def import_job_start(
    *,
    kind: str,
    owner,
    resource: type | str,
    upload,
    file_format: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
) -> Job:
    """Keep `upload` in the default storage (every app server and worker reads the same
    one) and start a job of `kind` importing it into `resource` (a class or its dotted
    path)."""
    if isinstance(resource, type):
        resource = f"{resource.__module__}.{resource.__qualname__}"
    try:
        safe_name = get_valid_filename(upload.name)
    except SuspiciousFileOperation:
        safe_name = "upload"
    stored_name = default_storage.save(f"jobs/uploads/{uuid.uuid4().hex}-{safe_name}", upload)
    return job_start(
        kind=kind,
        owner=owner,
        task=import_file_task,
        resource=resource,
        stored_name=stored_name,
        file_name=upload.name,
        file_format=file_format or None,
        encoding=encoding or None,
        dry_run=dry_run,
        actor_id=owner.pk,
    )
