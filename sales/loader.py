"""Streaming bulk loader for sales records: the same columns, validation and all-or-nothing
rule as `sales.resources.SalesRecordResource`, at ERP-export scale.

Each row is checked in Python (dates, numbers, lengths) and streamed, a batch at a time,
into a temporary staging table (on PostgreSQL by `COPY` from a second thread, so that the
database takes in one batch while Python checks the next; batched inserts elsewhere). The
database then does the set work: customer and product codes are resolved by joins (an
unknown code is an error of its row and column), repeated lines are found by grouping,
lines already loaded are set aside, and when the whole file is valid one
`INSERT … SELECT` moves the new lines into the sales table (for a load that is a large
share of the table, with its indexes dropped and built again); otherwise nothing is
written. Memory stays flat in the file size: a few batches and the (capped) error list.

Natural key (`line_key`): with a document number, a document lists each product once, so
the key is (document number, product); without one, it is the whole line (date, customer,
product, quantity, amount). Re-importing a file adds nothing; a line already loaded is
left as it is (corrections come as new documents, as in the ERP).
"""

import csv
import hashlib
import io
import queue
import re
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer
from dataexchange.formats import QUOTE, unescape_formula
from dataexchange.loading import (
    MAX_REPORTED_ERRORS,
    LoadReport,
    Progress,
    row_batches,
    without_cycle_collection,
)
from dataexchange.resources import cell_text, import_lock
from sales.models import Product, SalesRecord
from sales.signals import sales_lines_changed

COLUMNS = ("date", "customer", "product", "quantity", "amount", "document_no")
REQUIRED_COLUMNS = COLUMNS[:5]
CODE_LENGTH = 32  # customer and product codes (see their models)
EMPTY_CODE = {
    "customer": gettext_lazy("customer code is empty"),
    "product": gettext_lazy("product code is empty"),
}
UNKNOWN_CODE = {
    "customer": gettext_lazy("unknown customer code “%(code)s”"),
    "product": gettext_lazy("unknown product code “%(code)s”"),
}
STAGING = "sales_load_staging"
# A load that adds at least this share of the sales table's lines, and this many, rebuilds
# the table's indexes instead of updating them line by line (see _Stager.publish).
REBUILD_SHARE = 0.2
REBUILD_MIN_ROWS = 50_000
COPY_CHUNK = 1 << 16  # bytes handed to the database at a time
STAGING_COLUMNS = (
    "row_no",
    "date",
    "customer_code",
    "product_code",
    "quantity",
    "amount",
    "document_no",
    "line_key",
)
# Plain decimals, optionally with thousands separators removed first: at most 3 decimals
# for a quantity, 2 (cents) for an amount. Negative numbers never match.
QUANTITY = re.compile(r"^\d{1,11}(\.\d{1,3})?$")
AMOUNT = re.compile(r"^\d{1,14}(\.\d{1,2})?$")


class _Rollback(Exception):
    """Raised inside the transaction to undo a load that found errors."""


def sales_records_load(
    *,
    header: Sequence[str],
    rows: Iterable[Sequence],
    dry_run: bool = False,
    actor=None,
    progress: Progress | None = None,
    batch_size: int = 20_000,
) -> LoadReport:
    """Validate and load sales lines, all or nothing.

    `header` names the columns (see COLUMNS; `document_no` optional, order free); `rows`
    yields the data rows in file order (the header is row 1, the first data row row 2).
    Returns a report; when it has errors, nothing was written. `dry_run` validates
    everything (unknown codes and repeated lines included) and writes nothing. Sales
    lines record no author (`actor` is accepted as by every loader); `progress` is called
    with the rows read after each batch.
    """
    report = LoadReport()
    positions = _column_positions(header, report)
    if not report.ok:
        return report
    try:
        with without_cycle_collection(), transaction.atomic():
            # Overlapping loads run one after the other, as every import does.
            import_lock(SalesRecord)
            with _Stager() as stager:
                for batch in row_batches(rows, batch_size):
                    staged = []
                    for row_no, row in batch:
                        report.rows += 1
                        staged.append(_parse_row(row_no, _cells(row, positions), report))
                    stager.stage(staged)
                    if progress is not None:
                        progress(report.rows)
                stager.check(report)
                report.errors.sort(key=lambda error: (error.row, error.column))
                if not report.ok or dry_run:
                    raise _Rollback
                report.created = stager.publish()
                report.skipped = report.rows - report.created
    except _Rollback:
        pass
    return report


def _checked_code(row_no: int, column: str, code: str, report: LoadReport) -> str | None:
    """The code to stage, or None (staged as NULL, so the database does not report it again)
    when it is empty or longer than any customer or product code can be."""
    if not code:
        report.add_error(row_no, column, str(EMPTY_CODE[column]))
        return None
    if len(code) > CODE_LENGTH:
        report.add_error(row_no, column, UNKNOWN_CODE[column] % {"code": code})
        return None
    return code


def line_key(
    *,
    document_no: str,
    sale_date: date | str,
    customer_code: str,
    product_code: str,
    quantity: Decimal | str,
    amount: Decimal | str,
) -> str:
    """The natural key of a sales line (see the module's docstring), hashed to 16 bytes and
    written as 32 hex digits: how a UUIDField is stored on SQLite, and a valid uuid literal
    on PostgreSQL."""
    if document_no:
        natural = f"D|{document_no}|{product_code}"
    else:
        natural = (
            f"L|{sale_date}|{customer_code}|{product_code}|"
            f"{Decimal(quantity).normalize()}|{Decimal(amount).normalize()}"
        )
    return hashlib.blake2b(natural.encode(), digest_size=16).hexdigest()


def _column_positions(header: Sequence[str], report: LoadReport) -> list[int | None]:
    names = [str(name or "").strip() for name in header]
    for column in REQUIRED_COLUMNS:
        if column not in names:
            report.add_error(1, column, _("required column is missing"))
    return [names.index(name) if name in names else None for name in COLUMNS]


def _cells(row: Sequence, positions: list[int | None]) -> list[str]:
    """The row's values in COLUMNS order, as stripped text (spreadsheet dates as ISO), with
    the apostrophe an export puts before formula-like text taken off (`cell_text`)."""
    try:  # a full row of text (CSV): the common, fast case
        values = [row[p].strip() if p is not None else "" for p in positions]
    except (AttributeError, IndexError):
        pass
    else:
        if any(value.startswith(QUOTE) for value in values):
            values = [unescape_formula(value) for value in values]
        return values
    width = len(row)
    values = []
    for position in positions:
        value = row[position] if position is not None and position < width else None
        values.append(value.date().isoformat() if isinstance(value, datetime) else cell_text(value))
    return values


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    for separator in ("/", "."):
        parts = value.split(separator)
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(value)


def _parse_row(row_no: int, values: list[str], report: LoadReport) -> tuple:
    """The staging row; a value that fails its check is reported and staged as NULL (the
    row is still staged, so that its codes are checked too)."""
    raw_date, customer_code, product_code, quantity, amount, document_no = values
    errors_before = report.error_count
    sale_date = None
    try:
        sale_date = _parse_date(raw_date)
    except ValueError:
        report.add_error(
            row_no, "date", _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": raw_date}
        )
    customer_code = _checked_code(row_no, "customer", customer_code, report)
    product_code = _checked_code(row_no, "product", product_code, report)
    quantity = quantity.replace(",", "")
    if not QUANTITY.match(quantity) or not quantity.strip("0."):
        report.add_error(
            row_no,
            "quantity",
            _("“%(value)s” is not a number greater than zero with at most 3 decimals")
            % {"value": quantity},
        )
        quantity = None
    amount = amount.replace(",", "")
    if not AMOUNT.match(amount):
        report.add_error(
            row_no,
            "amount",
            _("“%(value)s” is not an amount of zero or more with at most 2 decimals")
            % {"value": amount},
        )
        amount = None
    if len(document_no) > 40:
        document_no = document_no[:40]
        report.add_error(row_no, "document_no", _("longer than 40 characters"))
    if report.error_count != errors_before:
        return (
            row_no,
            sale_date,
            customer_code,
            product_code,
            quantity,
            amount,
            document_no,
            None,
        )
    key = line_key(
        document_no=document_no,
        sale_date=sale_date,
        customer_code=customer_code,
        product_code=product_code,
        quantity=quantity,
        amount=amount,
    )
    return (row_no, sale_date, customer_code, product_code, quantity, amount, document_no, key)


class _CopyPipe:
    """COPY batches into the staging table from a second thread, so that the database takes
    in one batch while Python checks the next. The thread works on the caller's connection
    (so in its transaction) and the caller leaves the connection alone until `close()`.
    At most one batch waits in the queue: memory stays flat."""

    def __init__(self, statement: str):
        self._statement = statement
        self._cursor = connection.connection.cursor()  # the DB-API connection is thread-safe
        self._queue: queue.Queue[io.StringIO | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sales-load-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (buffer := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._cursor.copy_expert(self._statement, buffer, size=COPY_CHUNK)
                except BaseException as error:  # handed to the caller's thread
                    self._error = error

    def put(self, buffer: io.StringIO) -> None:
        self._raise_error()
        self._queue.put(buffer)

    def close(self) -> None:
        """Wait for every batch to be copied; raise the first copy's error, if any."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
            self._cursor.close()
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class _Stager:
    """The temporary staging table and the set-based checks and load that run on it. Used
    as a context manager, so that the copying thread is finished whatever happens."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        # The key's column type as Django stores a UUIDField on this database.
        key_type = "uuid" if self.postgres else "char(32)"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING} ("
                "row_no integer NOT NULL, date date NULL, "
                f"customer_code varchar({CODE_LENGTH}) NULL, "
                f"product_code varchar({CODE_LENGTH}) NULL, "
                "quantity numeric(14,3) NULL, amount numeric(16,2) NULL, "
                f"document_no varchar(40) NOT NULL, line_key {key_type} NULL)"
            )
        self._pipe = None
        if self.postgres:
            # An unquoted empty field is NULL (csv writes None so); an empty document
            # number is an empty string.
            self._pipe = _CopyPipe(
                f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN "
                "(FORMAT csv, FORCE_NOT_NULL (document_no))"
            )

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._pipe:
            try:
                self._pipe.close()
            except Exception:
                if exc_type is None:
                    raise
                # Otherwise the error already on its way out is the one to report.

    def stage(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self._pipe:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            buffer.seek(0)
            self._pipe.put(buffer)
        else:
            placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {STAGING} VALUES ({placeholders})", rows)

    def check(self, report: LoadReport) -> None:
        """Unknown codes and repeated lines, found by the database."""
        if self._pipe:
            self._pipe.close()
        customers, products = Customer._meta.db_table, Product._meta.db_table
        limit = MAX_REPORTED_ERRORS
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"ANALYZE {STAGING}")  # temporary tables have no statistics
            for column, table, code_column in (
                ("customer", customers, "customer_code"),
                ("product", products, "product_code"),
            ):
                unknown = (
                    f"FROM {STAGING} s LEFT JOIN {table} t ON t.code = s.{code_column} "
                    f"WHERE t.id IS NULL AND s.{code_column} IS NOT NULL"
                )
                cursor.execute(f"SELECT COUNT(*) {unknown}")
                count = cursor.fetchone()[0]
                if not count:
                    continue
                cursor.execute(
                    f"SELECT s.row_no, s.{code_column} {unknown} ORDER BY s.row_no LIMIT %s",
                    [limit],
                )
                for row_no, code in cursor.fetchall():
                    report.add_error(
                        row_no,
                        column,
                        UNKNOWN_CODE[column] % {"code": code},
                    )
                report.error_count += count - min(count, limit)
            cursor.execute(
                f"SELECT s.row_no, f.first_row FROM {STAGING} s JOIN ("
                f"  SELECT line_key, MIN(row_no) AS first_row FROM {STAGING}"
                "   WHERE line_key IS NOT NULL GROUP BY line_key HAVING COUNT(*) > 1"
                ") f ON f.line_key = s.line_key WHERE s.row_no <> f.first_row "
                "ORDER BY s.row_no LIMIT %s",
                [limit],
            )
            for row_no, first_row in cursor.fetchall():
                report.add_error(
                    row_no,
                    "document_no",
                    _(
                        "the same line as row %(row)s (same document and product, or same "
                        "date, customer, product, quantity and amount)"
                    )
                    % {"row": first_row},
                )

    def _customer_pks(self) -> QuerySet:
        """The pks of the customers of the staged lines, as a subquery of the staging table
        (after `publish` has set aside the lines already loaded: those of the new lines)."""
        staged_codes = RawSQL(f"SELECT customer_code FROM {STAGING}", ())  # noqa: S611 constant
        return Customer.objects.filter(code__in=staged_codes).values("pk")

    def publish(self) -> int:
        """Move the staged lines into the sales table; returns how many were new.

        Lines already in the table are dropped from the staging table first, so what is
        left is exactly what the load adds. A load that adds at least `REBUILD_SHARE` of
        the table (and `REBUILD_MIN_ROWS` lines) drops the table's secondary indexes,
        inserts, and builds them again: for such a load that is several times faster
        than keeping each index up to date line by line (PostgreSQL's advice for
        populating a database). The transaction holds the table exclusively meanwhile;
        readers wait, as they would for any DDL, and a failure rolls the indexes back
        with the lines. New lines are then announced (`sales_lines_changed`) with their
        customers, so that what is derived from them follows in the same transaction."""
        sales = SalesRecord._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {STAGING}")
            staged = cursor.fetchone()[0]
            bulk = self.postgres and staged >= REBUILD_MIN_ROWS
            if bulk:
                # No other writer from here on, so that the lines found new stay new.
                cursor.execute(f"LOCK TABLE {sales} IN EXCLUSIVE MODE")
            cursor.execute(
                f"DELETE FROM {STAGING} WHERE EXISTS (SELECT 1 FROM {sales} t "
                f"WHERE t.line_key = {STAGING}.line_key)"
            )
            new = staged - cursor.rowcount
            insert = (
                f"INSERT INTO {sales} (date, customer_id, product_id, "
                "quantity, amount, salesperson_id, document_no, line_key) "
                "SELECT s.date, c.id, p.id, s.quantity, s.amount, c.salesperson_id, "
                f"s.document_no, s.line_key FROM {STAGING} s "
                f"JOIN {Customer._meta.db_table} c ON c.code = s.customer_code "
                f"JOIN {Product._meta.db_table} p ON p.code = s.product_code"
            )
            if bulk and new >= REBUILD_MIN_ROWS and _large_share_of_table(cursor, sales, new):
                with secondary_indexes_rebuilt(cursor, sales):
                    cursor.execute(insert)
                    created = cursor.rowcount
            else:
                # A line another load added meanwhile is skipped, not a failure.
                cursor.execute(f"{insert} WHERE true ON CONFLICT (line_key) DO NOTHING")
                created = cursor.rowcount
            if created:
                # What is derived from the lines follows in this transaction; the receivers
                # run now, while the staging table still exists.
                sales_lines_changed.send(sender=SalesRecord, customer_ids=self._customer_pks())
            cursor.execute(f"DROP TABLE {STAGING}")
        return created


def _large_share_of_table(cursor, table: str, new: int) -> bool:
    """Whether `new` lines will be at least `REBUILD_SHARE` of the table, read with a
    count that stops early (statistics can be missing or stale)."""
    most = int(new / REBUILD_SHARE) - new  # the most lines the table may hold now
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [most + 1])
    return cursor.fetchone()[0] <= most


@contextmanager
def secondary_indexes_rebuilt(cursor, table: str):
    """Drop the table's unique constraints and indexes other than the primary key for the
    block, then build them again as they were defined (PostgreSQL)."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    # Sorting a million keys in memory instead of in temporary files (this transaction only).
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    for _name, definition in indexes:
        cursor.execute(definition)
    # Fresh planner statistics for a table that has just grown by a fifth or more.
    cursor.execute(f"ANALYZE {quote(table)}")
