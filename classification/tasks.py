"""Background work of the classification app, through Django's tasks interface
(django-tasks), each run as a job (`jobs`): with the immediate backend a task runs at once,
inside the request; with the database backend a worker runs it."""

from datetime import date

from django.contrib.auth import get_user_model
from django_tasks import task

from classification.services.grading import regrade_apply_if_unchanged
from jobs.services import job_run


@task()
def regrade_task(*, job_id: int, fingerprint: str, today: str, actor_id: int | None = None) -> dict:
    """Apply the previewed regrade identified by `fingerprint` for the day `today` (ISO)
    as job `job_id`, with the cards written as its progress, and return {"applied",
    "changed", "stale"} (see `regrade_apply_if_unchanged`)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return job_run(
        job_id=job_id,
        work=lambda progress: regrade_apply_if_unchanged(
            actor=actor,
            fingerprint=fingerprint,
            today=date.fromisoformat(today),
            progress=progress,
        ),
    )
