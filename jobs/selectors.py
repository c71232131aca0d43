"""Reading jobs: a job is its owner's; managers and admins may look at anybody's."""

from django.shortcuts import get_object_or_404

from accounts.roles import is_manager
from jobs.models import Job

RECENT_JOBS = 20


def job_get_for_user(user, pk) -> Job:
    """The job `pk` if `user` started it or is a manager; 404 otherwise (as if there were
    none)."""
    jobs = Job.objects.select_related("owner")
    if not is_manager(user):
        jobs = jobs.filter(owner=user)
    return get_object_or_404(jobs, pk=pk)


def jobs_recent_for(user) -> list[Job]:
    """The user's own most recent jobs, newest first."""
    return list(Job.objects.filter(owner=user).order_by("-created_at", "-pk")[:RECENT_JOBS])
