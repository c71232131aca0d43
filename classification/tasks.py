"""Background work of the classification app, through Django's tasks interface
(django-tasks). With the immediate backend (the default in settings) a task runs at once,
inside the request; with a queue backend a worker runs it."""

from datetime import date

from django.contrib.auth import get_user_model
from django_tasks import task

from classification.services.grading import regrade_apply_if_unchanged


@task()
def regrade_task(*, fingerprint: str, today: str, actor_id: int | None = None) -> dict:
    """Apply the previewed regrade identified by `fingerprint` for the day `today` (ISO)
    and return {"applied", "changed", "stale"} (see `regrade_apply_if_unchanged`)."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return regrade_apply_if_unchanged(
        actor=actor, fingerprint=fingerprint, today=date.fromisoformat(today)
    )
