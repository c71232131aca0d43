"""Job pages: a job's state, progress and outcome (its owner, managers and admins), the
result file to download, and the user's recent jobs."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from jobs.selectors import job_get_for_user, jobs_recent_for


@require_GET
def job_detail(request, pk):
    """The job's page. While the job runs, its status panel asks for itself again every two
    seconds (htmx), and this view answers such a request with the panel alone."""
    job = job_get_for_user(request.user, pk)
    template = "jobs/_status.html" if request.htmx else "jobs/detail.html"
    response = render(request, template, {"job": job})
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def job_file(request, pk):
    """The job's result file (an export), from the shared storage."""
    job = job_get_for_user(request.user, pk)
    if not job.result_file:
        raise Http404
    name = (job.result or {}).get("file_name") or job.result_file.name.rpartition("/")[2]
    return FileResponse(
        default_storage.open(job.result_file.name), as_attachment=True, filename=name
    )


@require_GET
def job_list(request):
    return render(request, "jobs/list.html", {"jobs": jobs_recent_for(request.user)})
