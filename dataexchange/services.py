"""Importing a file into a resource, all or nothing.

`import_file` is what `manage.py import` runs: it reads CSV (UTF-8 with or without BOM, or
GB18030) or XLSX, checks the required columns, runs the resource's import in one
transaction and keeps nothing unless every row is good. Errors name the row as numbered in
the file (the header is row 1, the first data row is row 2), the column and the reason.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from import_export.resources import Resource
from import_export.results import RowResult

from dataexchange.formats import FileReadError, format_for, open_rows, read_dataset
from dataexchange.resources import (
    ArchiveModelResource,
    duplicate_message,
    duplicate_rows,
    required_columns,
)

HEADER_ROW = 1


@dataclass(frozen=True)
class RowError:
    row: int | None  # row in the file (header = 1); None for the file as a whole
    column: str  # "" when the error is not about one column
    message: str

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column %(column)s") % {"column": self.column})
        return (
            f"{', '.join(str(part) for part in where)}: {self.message}" if where else (self.message)
        )


@dataclass
class ImportReport:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        """Whether the import was kept: no error and not a dry run."""
        return self.ok and not self.dry_run


def resource_instance(resource) -> Resource:
    """A resource from an instance, a class or a dotted path to a class."""
    if isinstance(resource, str):
        try:
            resource = import_string(resource)
        except ImportError as error:
            raise ValueError(_("No resource %(resource)s.") % {"resource": resource}) from error
    if isinstance(resource, type):
        if not issubclass(resource, Resource):
            raise ValueError(_("%(resource)s is not a resource.") % {"resource": resource})
        resource = resource()
    return resource


def import_file(
    *,
    resource,
    path_or_bytes: str | Path | bytes,
    file_format: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    actor=None,
    file_name: str | None = None,
    progress=None,
) -> ImportReport:
    """Import a CSV or XLSX file into `resource`, all or nothing.

    Nothing is written when any row is bad or `dry_run` is set; the report then lists every
    bad row (file row number, column, reason) and what would have been new, updated and
    unchanged. The format comes from `file_format`, else from the file name; CSV is read
    in `encoding`, else as UTF-8 (BOM or not) falling back to GB18030. `progress`, if
    given, is called as the import goes with the number of data rows read so far (after
    each batch for a resource with a bulk loader, once at the end otherwise).
    """
    resource = resource_instance(resource)
    bulk_loader = getattr(resource, "bulk_loader", None)
    if bulk_loader:
        file_format = format_for(file_name or str(path_or_bytes), file_format)
        loader = import_string(bulk_loader)
        if not isinstance(path_or_bytes, bytes):
            return _bulk_import(
                loader,
                path=Path(path_or_bytes),
                file_format=file_format,
                encoding=encoding,
                dry_run=dry_run,
                actor=actor,
                progress=progress,
            )
        with tempfile.NamedTemporaryFile(suffix=f".{file_format}") as upload:
            upload.write(path_or_bytes)
            upload.flush()
            return _bulk_import(
                loader,
                path=Path(upload.name),
                file_format=file_format,
                encoding=encoding,
                dry_run=dry_run,
                actor=actor,
                progress=progress,
            )
    report = ImportReport(dry_run=dry_run)
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
    else:
        file_name = file_name or str(path_or_bytes)
        data = Path(path_or_bytes).read_bytes()
    try:
        dataset = read_dataset(
            data, file_format=format_for(file_name, file_format), encoding=encoding
        )
    except FileReadError as error:
        report.errors.append(RowError(None, "", str(error)))
        return report
    report.rows = len(dataset)

    present = set(dataset.headers or ())
    missing = [column for column in required_columns(resource) if column not in present]
    if missing:
        report.errors.extend(
            RowError(HEADER_ROW, column, str(_("required column is missing"))) for column in missing
        )
        return report

    with transaction.atomic():
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            user=actor,
            file_name=file_name,
        )
        report.errors.extend(_result_errors(resource, result))
        if not isinstance(resource, ArchiveModelResource):
            # A plain resource does not check repeated keys itself.
            report.errors.extend(
                RowError(row + 1, _key_column(resource), duplicate_message(resource, first))
                for row, first in duplicate_rows(resource, dataset).items()
            )
        report.errors.sort(key=lambda error: (error.row or 0, error.column))
        totals = result.totals
        report.new = totals[RowResult.IMPORT_TYPE_NEW]
        report.updated = totals[RowResult.IMPORT_TYPE_UPDATE]
        report.unchanged = totals[RowResult.IMPORT_TYPE_SKIP]
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if progress is not None:
        progress(report.rows)
    return report


def _bulk_import(
    loader, *, path: Path, file_format: str, encoding, dry_run, actor, progress
) -> ImportReport:
    """A resource with a `bulk_loader` (sales records, customers) streams the file through
    it: same columns, validation and all-or-nothing rule, at millions of rows (see
    `dataexchange.loading`)."""
    report = ImportReport(dry_run=dry_run)
    try:
        with open_rows(path, file_format=file_format, encoding=encoding) as (header, rows):
            loaded = loader(
                header=header, rows=rows, dry_run=dry_run, actor=actor, progress=progress
            )
    except FileReadError as error:
        report.errors.append(RowError(None, "", str(error)))
        return report
    report.rows = loaded.rows
    report.new = loaded.created
    report.updated = loaded.updated
    report.unchanged = loaded.skipped
    report.errors = list(loaded.errors)
    if loaded.error_count > len(loaded.errors):
        report.errors.append(
            RowError(
                None,
                "",
                str(
                    _("… and %(count)s more errors.")
                    % {"count": loaded.error_count - len(loaded.errors)}
                ),
            )
        )
    return report


def _key_column(resource) -> str:
    return resource.fields[resource.get_import_id_fields()[0]].column_name


def _column(resource, name: str) -> str:
    """The file column of a resource field or model attribute ("" for the whole row)."""
    if name == NON_FIELD_ERRORS:
        return ""
    for key, resource_field in resource.fields.items():
        if name in (key, resource_field.attribute):
            return resource_field.column_name
    return name


def _result_errors(resource, result) -> list[RowError]:
    errors = [RowError(None, "", str(error.error)) for error in result.base_errors]
    for number, row_errors in result.row_errors():
        errors.extend(RowError(number + 1, "", str(error.error)) for error in row_errors)
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            errors.extend(
                RowError(invalid.number + 1, _column(resource, name), str(message))
                for message in messages
            )
    return errors
