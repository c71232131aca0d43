"""Streaming bulk loader for customers: the columns, cell rules and all-or-nothing rule of
`customers.resources.CustomerResource`, at the size of a whole archive.

The file is read a batch of rows at a time. Each row's cells are read by the resource's own
widgets (text, and region, customer type and salesperson by code, name or username, each
distinct value looked up once); a code repeated in the file is an error of its row. The
batch's codes are looked up in one query: a known code is an update of that card, through
`cards_update_bulk` (the update door's rules, history and provenance, for the batch at
once), an unknown code a new card, through `customers_create_bulk`. Everything runs in one
transaction that is rolled back when any row is bad (every bad row is still reported) or
for a dry run. Memory stays flat in the file size: a batch at a time, the file's codes (to
find repeats) and at most `MAX_REPORTED_ERRORS` errors.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Channel, Customer
from customers.resources import CUSTOMER_COLUMNS, CUSTOMER_IMPORT_ONLY, CustomerResource
from customers.services import CardsInvalid, cards_update_bulk, customers_create_bulk
from dataexchange.formats import QUOTE, unescape_formula
from dataexchange.loading import (
    LoadReport,
    Progress,
    row_batches,
    without_cycle_collection,
)
from dataexchange.resources import cell_text, duplicate_message, import_lock

COLUMNS = (*CUSTOMER_COLUMNS, *CUSTOMER_IMPORT_ONLY)
REQUIRED_COLUMNS = ("code", "name")
TEXT_COLUMNS = ("code", "name", "phone", "address", "credit_code")


class _Rollback(Exception):
    """Raised inside the transaction to undo a load that found errors or is a dry run."""


def customers_load(
    *,
    header: Sequence[str],
    rows: Iterable[Sequence],
    dry_run: bool = False,
    actor=None,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> LoadReport:
    """Create and update customers from a file's rows, all or nothing.

    `header` names the columns (`code` and `name` required, the others of `COLUMNS`
    optional, in any order; other columns are ignored); `rows` yields the data rows in file
    order (the header is row 1). A row changes only the columns the file has. Returns a
    report of new, updated and unchanged rows; when it has errors nothing was written.
    History and provenance record `actor` and the channel "import"."""
    report = LoadReport()
    names = [str(name or "").strip() for name in header]
    for column in REQUIRED_COLUMNS:
        if column not in names:
            report.add_error(1, column, _("required column is missing"))
    if not report.ok:
        return report
    present = [(column, names.index(column)) for column in COLUMNS if column in names]
    reader = _RowReader(present)
    try:
        with without_cycle_collection(), transaction.atomic():
            import_lock(Customer)
            for batch in row_batches(rows, batch_size):
                report.rows += len(batch)
                _load_batch(
                    [(row_no, reader.read(row_no, row, report)) for row_no, row in batch],
                    actor=actor,
                    report=report,
                )
                if progress is not None:
                    progress(report.rows)
            report.errors.sort(key=lambda error: (error.row, error.column))
            if not report.ok or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


class _RowReader:
    """A file row as card values, read by `CustomerResource`'s widgets. A resource instance
    lives for one file, so each reference value is looked up once per file."""

    def __init__(self, present: list[tuple[str, int]]):
        resource = CustomerResource()
        self.resource = resource
        self.present = present
        self.widgets = {column: resource.fields[column].widget for column, _ in present}
        self.first_row: dict[str, int] = {}  # code -> the row it first appeared on

    def read(self, row_no: int, row: Sequence, report: LoadReport) -> dict | None:
        """The row's card values, or None when a cell is bad (reported)."""
        width = len(row)
        values = {}
        good = True
        for column, position in self.present:
            cell = row[position] if position < width else None
            if column in TEXT_COLUMNS:
                if isinstance(cell, str):  # CSV: plain text, the common case
                    cell = cell.strip()
                    values[column] = unescape_formula(cell) if cell.startswith(QUOTE) else cell
                else:
                    values[column] = cell_text(cell)
                continue
            try:
                values[column] = self.widgets[column].clean(cell)
            except ValueError as error:
                report.add_error(row_no, column, str(error))
                good = False
        code = values["code"]
        if code:
            first = self.first_row.setdefault(code, row_no)
            if first != row_no:
                report.add_error(row_no, "code", str(duplicate_message(self.resource, first - 1)))
                good = False
        return values if good else None


def _load_batch(rows: list[tuple[int, dict | None]], *, actor, report: LoadReport) -> None:
    codes = [values["code"] for _row_no, values in rows if values and values["code"]]
    saved = {
        code: (pk, version)
        for code, pk, version in Customer.objects.filter(code__in=codes).values_list(
            "code", "pk", "version"
        )
    }
    new, changed = [], []
    for row_no, values in rows:
        if values is None:
            continue
        if values["code"] in saved:
            pk, version = saved[values["code"]]
            changed.append((row_no, (pk, version, values)))
        else:
            new.append((row_no, values))
    if new:
        try:
            customers_create_bulk(
                cards=[values for _row_no, values in new], actor=actor, channel=Channel.IMPORT
            )
        except CardsInvalid as invalid:
            _report_invalid(invalid, [row_no for row_no, _values in new], report)
        else:
            report.created += len(new)
    if changed:
        try:
            fields = cards_update_bulk(
                updates=[update for _row_no, update in changed],
                actor=actor,
                channel=Channel.IMPORT,
            )
        except CardsInvalid as invalid:
            _report_invalid(invalid, [row_no for row_no, _update in changed], report)
        else:
            updated = sum(1 for changed_fields in fields if changed_fields)
            report.updated += updated
            report.skipped += len(changed) - updated


def _report_invalid(invalid: CardsInvalid, row_numbers: list[int], report: LoadReport) -> None:
    """Each bad card's errors as errors of its row, by column (card fields are named as the
    file's columns; an error of the whole card has no column)."""
    for position, error in invalid.errors.items():
        row_no = row_numbers[position]
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                report.add_error(row_no, "", message)
            continue
        for field, errors in error.message_dict.items():
            column = "" if field == NON_FIELD_ERRORS else field
            for message in errors:
                report.add_error(row_no, column, message)
