"""An analysis, declared once: its filters form, its generator, its chart and its API
schema. The pages (`reports.views`), the API (`reports.api`) and the list of analyses are
made from these declarations, so every analysis is filtered, exported, charted and served the
same way."""

from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework import serializers

from reports.base import Table
from reports.filters import ReportFilterForm


@dataclass(frozen=True)
class Analysis:
    """`generate(user, filters, **form.options())` returns the analysis's table; `chart(table)`
    draws it (inline SVG). `slug` names its page (/reports/<slug>/), its API endpoint
    (/api/v1/reports/<slug>/) and its downloads. `row_serializer` documents an API row;
    `extra_fields` the keys the API gives beside the rows (the table's `extra`), by name."""

    slug: str
    title: str
    description: str
    form_class: type[ReportFilterForm]
    generate: Callable[..., Table]
    row_serializer: type[serializers.Serializer]
    chart: Callable[[Table], str] | None = None
    template: str = "reports/report.html"
    listed: bool = True  # on the reports' index (per-customer reports are reached from a card)
    extra_fields: dict[str, serializers.Field] = field(default_factory=dict)

    @property
    def url_name(self) -> str:
        return f"reports:{self.slug}"

    def run(self, user, form: ReportFilterForm) -> Table:
        return self.generate(user, form.filters(), **form.options())
