"""The page machinery every analysis shares: read the filters, call the generator, and
answer the page, or the same table as CSV or XLSX (`?format=csv|xlsx`)."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from archive_crm.db import analysis_reads
from reports.analysis import Analysis
from reports.base import Table, as_csv, as_xlsx
from reports.catalogue import ANALYSES
from reports.filters import Preset

FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@analysis_reads()
def report_page(request, analysis: Analysis):
    """An analysis's page: its filters, chart and table, or the same table as CSV or XLSX
    (`?format=csv|xlsx`). Bad filters re-render the form with their errors, and no
    figures, as a 400."""
    data = request.GET.copy()
    if not {"preset", "date_from", "date_to"} & set(data):
        data["preset"] = Preset.THIS_YEAR  # shown as chosen, as it is applied
    form = analysis.form_class(data, user=request.user).for_page()
    context = {"analysis": analysis, "analyses": [a for a in ANALYSES if a.listed], "form": form}
    if not form.is_valid():
        return render(request, analysis.template, {**context, "table": None}, status=400)
    table = analysis.run(request.user, form)
    export = request.GET.get("format")
    if export:
        if export not in FILE_TYPES:
            return HttpResponseBadRequest(_("Unknown export format."))
        return table_download(table, slug=analysis.slug, file_format=export)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        analysis.template,
        {
            **context,
            **table_context(table),
            "chart": analysis.chart(table) if analysis.chart else "",
            "export_query": urlencode(list(query.lists()), doseq=True),
        },
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
        # Rounded here: number_format cuts decimals off (70.96% would read 70.9%).
        percent = (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return formats.number_format(percent, decimal_pos=1, use_l10n=True) + "%"
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
