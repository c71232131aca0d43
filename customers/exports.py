"""The customer list as a file for people (CSV or XLSX): the columns the list shows, headed
and filled in the reader's language: names rather than codes, people by their names, choice
and lifecycle labels. The files for machines, with codes and usernames, are the
import/export resources (`customers.resources`)."""

from collections.abc import Callable, Iterable, Sequence

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import task

from accounts.roles import person_name
from classification.lifecycle import (
    NO_DEAL_PLANNED,
    LifecycleWindows,
    TimeSeries,
    TransactionProcess,
    with_lifecycle,
)
from customers.filters import customers_filtered
from customers.models import Customer
from dataexchange.formats import table_csv, table_xlsx
from jobs.services import job_run, job_save_file

# A job's export reads the customers this many at a time.
EXPORT_CHUNK = 2000


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


def customer_export_file_name(file_format: str) -> str:
    return f"customers-{timezone.localdate():%Y%m%d}.{file_format}"


def customers_for_export(*, user, query: QueryDict, windows: LifecycleWindows | None = None):
    """The customer list's rows as its exports hold them: the one scoping rule, then the
    list's FilterSet on `query` (a filter value that is not valid matches nothing), in the
    list's order with the key as tie-breaker, annotated with the lifecycle."""
    _filterset, customers = customers_filtered(user=user, query=query)
    return with_lifecycle(customers, windows=windows)


def customer_list_export(
    customers: Iterable[Customer],
    *,
    columns: Sequence[tuple[str, str]],
    file_format: str,
    progress: Callable[[int], None] | None = None,
) -> str | bytes:
    """The customers as a `file_format` ("csv" or "xlsx") table of `columns` (field and
    header, as the list shows them). Formula-like text is escaped as in every export.
    `progress`, if given, is told the number of rows read, every `EXPORT_CHUNK` rows."""
    headers = [str(label) for _field, label in columns]
    rows = []
    for customer in customers:
        rows.append([_cell(customer, field) for field, _label in columns])
        if progress is not None and len(rows) % EXPORT_CHUNK == 0:
            progress(len(rows))
    if file_format == "csv":
        return table_csv(headers, rows)
    return table_xlsx(headers, rows, sheet_name=customer_list_sheet_name())


@task()
def customer_export_task(
    *, job_id: int, user_id: int, query: str, columns: list, file_format: str
) -> dict:
    """Job `job_id`: the customer list of user `user_id` filtered by `query` (the list's
    query string) as a file in the shared storage, with the rows written as progress."""
    user = get_user_model().objects.get(pk=user_id)

    def work(progress) -> dict:
        customers = customers_for_export(user=user, query=QueryDict(query))
        total = customers.count()
        progress(0, total)
        content = customer_list_export(
            customers.iterator(chunk_size=EXPORT_CHUNK),
            columns=[(field, header) for field, header in columns],
            file_format=file_format,
            progress=lambda done: progress(done, total),
        )
        progress(total, total)
        name = customer_export_file_name(file_format)
        job_save_file(job_id=job_id, name=name, content=content)
        return {"rows": total, "file_name": name}

    return job_run(job_id=job_id, work=work)
