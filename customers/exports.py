"""The customer list as a file for people (CSV or XLSX): the columns the list shows, headed
and filled in the reader's language: names rather than codes, people by their names, choice
and lifecycle labels. The files for machines, with codes and usernames, are the
import/export resources (`customers.resources`)."""

from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext

from accounts.roles import person_name
from classification.lifecycle import NO_DEAL_PLANNED, TimeSeries, TransactionProcess
from customers.models import Customer
from dataexchange.formats import table_csv, table_xlsx


def _cell(customer: Customer, field: str) -> str:
    """What a person reads for one field of a list row: `customer` comes from
    `customers_visible_to` annotated `with_lifecycle`."""
    value = getattr(customer, field)
    if field == "time_series":
        return str(TimeSeries(value).label)
    if field == "transaction_process":
        return str(TransactionProcess(value).label if value else NO_DEAL_PLANNED)
    if value is None:
        return ""
    if field == "salesperson":
        return person_name(value)
    if Customer._meta.get_field(field).choices:
        return getattr(customer, f"get_{field}_display")()
    return str(value)


def customer_list_sheet_name() -> str:
    """The sheet's name: the list's and the day's, in the reader's language."""
    return gettext("Customers %(date)s") % {"date": timezone.localdate().isoformat()}


def customer_list_export(
    customers: Iterable[Customer], *, columns: Sequence[tuple[str, str]], file_format: str
) -> str | bytes:
    """The customers as a `file_format` ("csv" or "xlsx") table of `columns` (field and
    header, as the list shows them). Formula-like text is escaped as in every export."""
    headers = [str(label) for _field, label in columns]
    rows = [[_cell(customer, field) for field, _label in columns] for customer in customers]
    if file_format == "csv":
        return table_csv(headers, rows)
    return table_xlsx(headers, rows, sheet_name=customer_list_sheet_name())
