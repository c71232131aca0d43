"""The admin of the daily visit reports: read-only. Reports, visits and photos are written by
their author through `visits.services` (drafts, the customer check, submission and
lateness) and decided through the review queue; an admin form saving them would pass all
of that by. Staff see the reports the pages show them (`reports_readable_by`): managers
everybody's, a salesperson their own."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from archive_crm.admin import ReadOnlyAdminMixin
from visits.models import Visit, VisitPhoto, VisitReport
from visits.selectors import reports_readable_by


class VisitInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Visit
    fields = ("time", "customer", "kind", "purpose", "next_steps", "follow_up_on")
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        # The report too: a row is titled by the visit, which names its report's day.
        return super().get_queryset(request).select_related("customer", "report")


@admin.register(VisitReport)
class VisitReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "salesperson", "status", "late", "visits_count", "submitted_at")
    list_display_links = ("date", "salesperson")
    list_filter = ("status", "late", "date")
    list_select_related = ("salesperson",)
    search_fields = ("salesperson__username", "salesperson__first_name", "salesperson__last_name")
    fields = (
        "salesperson",
        "date",
        "status",
        "submitted_at",
        "late",
        "version",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (VisitInline,)

    def get_queryset(self, request):
        reports = super().get_queryset(request) & reports_readable_by(request.user)
        return reports.annotate(visits_count=Count("visits"))

    @admin.display(description=_("visits"), ordering="visits_count")
    def visits_count(self, report):
        return report.visits_count


class VisitPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VisitPhoto
    fields = ("kind", "file", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "kind", "date", "salesperson", "time", "follow_up_on")
    list_filter = ("kind", "report__date", "follow_up_on")
    list_select_related = ("customer", "report__salesperson")
    search_fields = ("customer__code", "customer__name", "purpose", "summary")
    ordering = ("-report__date", "report__salesperson", "time", "pk")
    fields = (
        "report",
        "customer",
        "time",
        "kind",
        "purpose",
        "summary",
        "situation",
        "next_steps",
        "follow_up_on",
        "latitude",
        "longitude",
        "checked_in_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (VisitPhotoInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(report__in=reports_readable_by(request.user))

    @admin.display(description=_("date"), ordering="report__date")
    def date(self, visit):
        return visit.report.date

    @admin.display(description=_("salesperson"), ordering="report__salesperson")
    def salesperson(self, visit):
        return visit.report.salesperson
