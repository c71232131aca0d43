"""The page machinery every analysis shares: read the filters, call the generator, and
answer the page, or the same table as CSV or XLSX (`?format=csv|xlsx`)."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reports.base import Table, as_csv, as_xlsx
from reports.filters import ReportFilterForm, ReportFilters

FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_page(
    request,
    *,
    build: Callable[[ReportFilters], dict],
    template: str,
    slug: str,
    form_class=ReportFilterForm,
):
    """Render an analysis. `build(filters)` returns the page's context; its "table" (a
    `reports.base.Table`) is what `?format=csv|xlsx` downloads. Bad filters re-render the
    page with their errors and no figures."""
    form = form_class(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        return render(request, template, {"form": form, "table": None}, status=400)
    if not request.GET:
        form = form_class({}, user=request.user)
        form.is_valid()
    context = build(form.filters())
    export = request.GET.get("format")
    if export:
        if export not in FILE_TYPES:
            return HttpResponseBadRequest(_("Unknown export format."))
        return table_download(context["table"], slug=slug, file_format=export)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        template,
        {**context, "form": form, "export_query": urlencode(list(query.lists()), doseq=True)},
    )


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    kind: str
    text: str
    link: str = ""


def cell_text(value, kind: str) -> str:
    """A table value as the page shows it, in the reader's number format."""
    if value is None or value == "":
        return "—"
    if kind == "share":
        return formats.number_format(value * 100, decimal_pos=1, use_l10n=True) + "%"
    if kind == "money":
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if kind == "quantity":
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if kind == "count":
        return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
    return str(value)


def table_context(table: Table) -> dict:
    """What `reports/_table.html` shows of a table: its rows and total as cells (text in
    the reader's format, the row's link on its first cell)."""

    def cells(row: dict, link: str = "") -> list[Cell]:
        return [
            Cell(c.key, str(c.label), c.kind, cell_text(row.get(c.key), c.kind), link)
            for c in table.columns
        ]

    total = None
    if table.total:
        total = cells({table.columns[0].key: str(_("Total")), **table.total})
    return {
        "table": table,
        "rows": [cells(row, table.links.get(index, "")) for index, row in enumerate(table.rows)],
        "total": total,
    }


def table_download(table: Table, *, slug: str, file_format: str) -> HttpResponse:
    content = as_csv(table) if file_format == "csv" else as_xlsx(table)
    response = HttpResponse(content, content_type=FILE_TYPES[file_format])
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{stamp}.{file_format}"'
    return response
