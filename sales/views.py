"""Sales pages: a customer's sales performance, shown lazily on the card (htmx) or as a page
of its own without script. Reads go through the scoping selector and `sales.selectors`."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from archive_crm.charts import bars
from customers.selectors import customer_get_for_user
from sales.selectors import customer_sales_performance


@require_GET
def customer_performance(request, pk):
    """目前及以往的销售实绩 of one customer in the user's scope (404 outside it): the partial
    for an htmx request from the card, a full page otherwise."""
    customer = customer_get_for_user(request.user, pk)
    performance = customer_sales_performance(customer)
    context = {
        "customer": customer,
        "performance": performance,
        "performance_chart": bars(
            (f"{month.month:%Y-%m}", month.amount) for month in performance.monthly
        ),
    }
    if request.htmx:
        return render(request, "sales/_performance.html", context)
    return render(request, "sales/customer_performance.html", context)
