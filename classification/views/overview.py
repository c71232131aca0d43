"""Pages: the classification overview (客户分类一览): how the customers a user may see divide
by type, ownership, region, grade, time series and transaction process. Each count links to
the customer list filtered the same way."""

from decimal import Decimal

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from archive_crm.charts import bars
from classification.lifecycle import lifecycle_windows_for
from classification.selectors import classification_overview
from customers.models import Customer
from customers.selectors import customers_visible_to


def _chart(rows):
    return bars((row.label, Decimal(row.count)) for row in rows)


@require_GET
def overview(request):
    status = request.GET.get("status", "")
    if status not in Customer.Status.values:
        status = ""
    customers = customers_visible_to(request.user)
    if status:
        customers = customers.filter(status=status)
    windows = lifecycle_windows_for(request)
    data = classification_overview(
        customers, windows=windows, base_query={"status": status} if status else {}
    )
    regions = [row for row in data.by_region if row.depth == 0]
    sections = [
        ("type", _("Customer type"), data.by_type, _chart(data.by_type)),
        ("ownership", _("Ownership"), data.by_ownership, _chart(data.by_ownership)),
        ("grade", _("Grade"), data.by_grade, _chart(data.by_grade)),
        ("time_series", _("Time series"), data.by_time_series, _chart(data.by_time_series)),
        (
            "transaction_process",
            _("Transaction process"),
            data.by_transaction_process,
            _chart(data.by_transaction_process),
        ),
    ]
    return render(
        request,
        "classification/overview/overview.html",
        {
            "overview": data,
            "sections": sections,
            "region_chart": _chart(regions),
            "status": status,
            "statuses": Customer.Status.choices,
            "windows": windows,
        },
    )


urlpatterns = [path("overview/", overview, name="overview")]
