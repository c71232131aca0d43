"""Pages: the managers' views of the visit reports. Compliance (推销员客户信息报告制度: who
reported on time, late or not at all; a salesperson sees their own record), planned versus
actual per salesperson and route, and the summaries (企业汇总整理) with their CSV and XLSX
exports. The figures come from `visits.reporting`; these views read the filters and render."""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.roles import is_manager, is_sales, manager_required, person_name, salespeople
from archive_crm.forms import DayField
from archive_crm.pagination import ListPaginator
from classification.models import VisitFrequency
from dataexchange.formats import table_csv, table_xlsx
from visits.reporting import (
    FREQUENCY_DAYS,
    NOT_VISITED_DAYS,
    PERIOD_MAX_DAYS,
    SUMMARIES,
    Period,
    customers_overdue,
    report_compliance,
    route_coverage,
    visit_summary,
    workdays,
)

PAGE_SIZE = 25
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Filters -----------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """A period from one day to another, both included; `defaults` fill what the address
    leaves out, so the form is always bound and always says which period is shown."""

    date_from = DayField(label=_("From"))
    date_to = DayField(label=_("To"))

    def __init__(self, query, *, defaults: Period, **kwargs):
        data = query.copy()
        for name, value in (("date_from", defaults.start), ("date_to", defaults.end)):
            if not data.get(name):
                data[name] = value.isoformat()
        super().__init__(data, **kwargs)
        self.defaults = defaults

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (end - start).days >= PERIOD_MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(days)s days.") % {"days": PERIOD_MAX_DAYS}
                )
        return cleaned

    @property
    def period(self) -> Period:
        """The chosen period, or the default one while the period is refused."""
        self.is_valid()
        start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
        if start is None or end is None or self.non_field_errors():
            return self.defaults
        return Period(start, end)


class SalespersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=salespeople(),
            required=False,
            label=_("Salesperson"),
            empty_label=_("Everybody"),
            **kwargs,
        )

    def label_from_instance(self, obj):
        return person_name(obj)


class CoverageForm(PeriodForm):
    salesperson = SalespersonField()


class SummaryForm(PeriodForm):
    days = forms.IntegerField(label=_("Not visited for (days)"), min_value=1, max_value=3650)

    def __init__(self, query, **kwargs):
        query = query.copy()
        if not query.get("days"):
            query["days"] = str(NOT_VISITED_DAYS)
        super().__init__(query, **kwargs)


class CompliancePeriodForm(forms.Form):
    DAY, WEEK = "day", "week"

    period = forms.ChoiceField(
        label=_("Period"), choices=[(WEEK, _("Week")), (DAY, _("Day"))], required=False
    )
    date = DayField(label=_("Date"), required=False)


def _page(request, rows):
    return ListPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# Compliance --------------------------------------------------------------------------------


@require_GET
def compliance(request):
    """Each salesperson's reports of a day or a week (default: this week): filed on time,
    late, the working days whose deadline passed with no filed report, and the drafts not
    submitted. Managers see every salesperson; a salesperson their own record only."""
    if is_manager(request.user):
        people = list(salespeople().filter(is_active=True))
    elif is_sales(request.user):
        people = [request.user]
    else:
        raise PermissionDenied(_("Only managers and sales staff have report records."))
    today = timezone.localdate()
    query = request.GET.copy()
    query.setdefault("period", CompliancePeriodForm.WEEK)
    query.setdefault("date", today.isoformat())
    form = CompliancePeriodForm(query)
    kind, day = CompliancePeriodForm.WEEK, today
    if form.is_valid():
        kind = form.cleaned_data["period"] or kind
        day = form.cleaned_data["date"] or day
    period = Period(day, day) if kind == CompliancePeriodForm.DAY else Period.week_of(day)
    step = datetime.timedelta(days=1 if kind == CompliancePeriodForm.DAY else 7)
    rows = report_compliance(people, period=period, now=timezone.now())
    return render(
        request,
        "visits/reporting/compliance.html",
        {
            "form": form,
            "kind": kind,
            "period": period,
            "previous": (period.start - step).isoformat(),
            "next": (period.start + step).isoformat() if period.end < today else None,
            "rows": rows,
            "is_manager": is_manager(request.user),
            # 2024-01-01 is a Monday: the working days by their names in the reader's language.
            "workday_names": ", ".join(
                formats.date_format(datetime.date(2024, 1, 1 + day), "D")
                for day in sorted(workdays())
            ),
            "deadline_days": settings.VISIT_REPORT_DEADLINE_DAYS,
            "deadline_time": settings.VISIT_REPORT_DEADLINE_TIME,
        },
    )


# Planned versus actual ---------------------------------------------------------------------


@require_GET
@manager_required
def coverage(request):
    """Planned versus actual over a period (default: this week), by salesperson and route,
    and the customers overdue for a visit today."""
    today = timezone.localdate()
    form = CoverageForm(request.GET, defaults=Period.week_of(today))
    form.is_valid()  # a salesperson stands even when the period is refused
    salesperson = form.cleaned_data.get("salesperson")
    people = route_coverage(period=form.period, today=today, salesperson=salesperson)
    overdue = _page(request, customers_overdue(today=today, salesperson=salesperson))
    overdue.object_list = list(overdue.object_list)
    for customer in overdue.object_list:
        customer.frequency_label = VisitFrequency(customer.frequency).label
        customer.days_waiting = (today - customer.waiting_since).days
    return render(
        request,
        "visits/reporting/coverage.html",
        {
            "form": form,
            "period": form.period,
            "people": people,
            "page_obj": overdue,
            "frequency_days": FREQUENCY_DAYS,
        },
    )


# Summaries ---------------------------------------------------------------------------------


def _summary(request):
    today = timezone.localdate()
    form = SummaryForm(
        request.GET, defaults=Period(today - datetime.timedelta(days=NOT_VISITED_DAYS - 1), today)
    )
    by = request.GET.get("by", "")
    if by not in SUMMARIES:
        by = next(iter(SUMMARIES))
    form.is_valid()  # the days stand even when the period is refused, and the other way
    days = form.cleaned_data.get("days") or NOT_VISITED_DAYS
    return form, visit_summary(by, period=form.period, today=today, days=days), days


@require_GET
@manager_required
def summary(request):
    """The filed visits of a period (default: the last 30 days) by salesperson, customer,
    region or route, and the customers not visited for a number of days."""
    form, table, days = _summary(request)
    page = _page(request, table.rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/reporting/summary.html",
        {
            "form": form,
            "period": form.period,
            "table": table,
            "page_obj": page,
            "cells": [
                list(zip(table.columns, row, strict=True))
                for row in table.cells(list(page.object_list))
            ],
            "tabs": SUMMARIES.items(),
            "days": days,
            "export_query": query.urlencode(),
        },
    )


def _export_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@require_GET
@manager_required
def summary_export(request):
    """The summary shown, whole (not only its page), as CSV or XLSX for people: headers in
    the reader's language, names rather than codes."""
    export_format = request.GET.get("format", "csv")
    if export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    form, table, days = _summary(request)
    period = form.period
    headers = table.headers()
    rows = [[_export_value(cell.value) for cell in row] for row in table.cells(list(table.rows))]
    if table.key == "not_visited":
        name = gettext("Not visited for %(days)s days") % {"days": days}
        stem = f"visits-not-visited-{days}d-{timezone.localdate():%Y%m%d}"
    else:
        name = f"{table.title} {period.start:%Y%m%d}-{period.end:%Y%m%d}"
        stem = f"visits-by-{table.key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if export_format == "csv":
        content = table_csv(headers, rows)
    else:
        content = table_xlsx(headers, rows, sheet_name=name)
    response = HttpResponse(content, content_type=EXPORT_FORMATS[export_format])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{export_format}"'
    return response


urlpatterns = [
    path("compliance/", compliance, name="compliance"),
    path("coverage/", coverage, name="coverage"),
    path("summary/", summary, name="summary"),
    path("summary/export/", summary_export, name="summary_export"),
]
