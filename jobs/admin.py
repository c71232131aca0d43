"""What an admin page needs to import files as jobs."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from jobs.forms import ImportFileForm
from jobs.tasks import import_job_start


class ImportJobAdminMixin:
    """An "Import" page on a model's admin: the uploaded file is kept in the shared storage
    and imported by a job (`import_job_start`: all or nothing, every bad row named), whose
    page shows the progress and the report. A subclass names the job's kind, the resource,
    the file's columns, the page's title and template, and who may import
    (`has_import_permission`)."""

    import_kind: str
    import_resource: type
    import_columns: str
    import_title: str
    import_template: str

    def has_import_permission(self, request) -> bool:
        raise NotImplementedError

    def get_urls(self):
        meta = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{meta.app_label}_{meta.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = ImportFileForm(request.POST, request.FILES, columns=self.import_columns)
            if form.is_valid():
                job = import_job_start(
                    kind=self.import_kind,
                    owner=request.user,
                    resource=self.import_resource,
                    upload=form.cleaned_data["file"],
                    file_format=form.cleaned_data["file_format"],
                    encoding=form.cleaned_data["encoding"].strip(),
                    dry_run=form.cleaned_data["dry_run"],
                )
                return redirect(job)
        else:
            form = ImportFileForm(columns=self.import_columns)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.import_title,
            "form": form,
        }
        return TemplateResponse(request, self.import_template, context)
