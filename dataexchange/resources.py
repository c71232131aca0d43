"""The base of the project's import/export resources.

Every import is all or nothing: rows run in one transaction that is rolled back when any
row has an error or a validation error, whoever calls the resource (the `import` command,
the admin's import page). A file must have its required columns, may not repeat a key, and
refers to reference data by code or name, reporting an unknown one as an error of its
column; every row must pass the model's own validation.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.instance_loaders import ModelInstanceLoader

from dataexchange.formats import normalize_headers, unescape_formula

INSTANCE_CHUNK = 1000


def cell_text(value) -> str:
    """A cell as text, stripped; spreadsheet numbers like 1001.0 read as "1001"; text that
    an export escaped (`'=SUM(A1)`, see `dataexchange.formats.escape_formula`) reads as it
    was before (`=SUM(A1)`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unescape_formula(str(value).strip())


class MissingColumns(ValueError):
    def __init__(self, columns):
        self.columns = list(columns)
        super().__init__(
            _("Required column(s) missing: %(columns)s.") % {"columns": ", ".join(self.columns)}
        )


class ReferenceWidget(widgets.ForeignKeyWidget):
    """A reference to an existing row, by the first of `lookup_fields` that matches exactly
    (for reference data: code, then Chinese name, then English name). Exports the first
    lookup field. An unknown or ambiguous value is a `ValueError`, which the resource turns
    into a validation error of the column."""

    def __init__(
        self, model, lookup_fields=("code", "name", "name_en"), described_as=None, **kwargs
    ):
        super().__init__(model, field=lookup_fields[0], **kwargs)
        self.lookup_fields = tuple(lookup_fields)
        self.described_as = described_as or _("code or name")

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        # One query per distinct value in a file, not per row. A resource instance (and so
        # this cache) lives for one import: each import makes its own (fields are copied).
        cache = self.__dict__.setdefault("_found", {})
        if text not in cache:
            try:
                cache[text] = self._lookup(text, value, row, **kwargs)
            except ValueError as error:
                cache[text] = error
        if isinstance(cache[text], ValueError):
            raise cache[text]
        return cache[text]

    def _lookup(self, text, value, row, **kwargs):
        condition = Q()
        for field in self.lookup_fields:
            condition |= Q(**{field: text})
        matches = list(self.get_queryset(value, row, **kwargs).filter(condition)[:10])
        for field in self.lookup_fields:
            found = [match for match in matches if getattr(match, field) == text]
            if len(found) == 1:
                return found[0]
            if found:
                raise ValueError(
                    _("More than one %(model)s is called “%(value)s”; use its code.")
                    % {"model": self.model._meta.verbose_name, "value": text}
                )
        raise ValueError(
            _("No %(model)s has the %(described_as)s “%(value)s”.")
            % {
                "model": self.model._meta.verbose_name,
                "described_as": self.described_as,
                "value": text,
            }
        )


class TextWidget(widgets.CharWidget):
    """Text stripped of surrounding spaces; numbers from a spreadsheet without ".0"."""

    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


def required_columns(resource) -> tuple[str, ...]:
    """The columns a file must have for `resource`: its `required_columns`, else its keys."""
    return tuple(getattr(resource, "required_columns", ()) or key_columns(resource))


def key_columns(resource) -> tuple[str, ...]:
    """The columns of the resource's `import_id_fields` (none for the default "id")."""
    names = list(resource.get_import_id_fields())
    if names == ["id"]:
        return ()
    return tuple(resource.fields[name].column_name for name in names)


def duplicate_rows(resource, dataset) -> dict[int, int]:
    """{data row: data row of the first occurrence} for each repeated key in `dataset`
    (data rows count from 1, as the import does; blank keys are left to validation)."""
    columns = key_columns(resource)
    headers = list(dataset.headers or ())
    if not columns or any(column not in headers for column in columns):
        return {}
    positions = [headers.index(column) for column in columns]
    first_seen: dict[tuple, int] = {}
    duplicates = {}
    for index, values in enumerate(dataset, start=1):
        key = tuple(cell_text(values[position]) for position in positions)
        if not any(key):
            continue
        if key in first_seen:
            duplicates[index] = first_seen[key]
        else:
            first_seen[key] = index
    return duplicates


def duplicate_message(resource, first_row: int) -> str:
    return _("%(columns)s repeats file row %(row)s; each may appear only once.") % {
        "columns": ", ".join(key_columns(resource)),
        "row": first_row + 1,
    }


class ChunkedInstanceLoader(ModelInstanceLoader):
    """Finds the saved rows a file's keys refer to a chunk of rows at a time: one query per
    `INSTANCE_CHUNK` rows of the file instead of one per row, and only one chunk's
    instances in memory. The import asks for rows in file order, so each chunk is read once.
    Resources keyed by several fields look each row up on its own, as by default."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self._chunk_of: dict = {}
        self._chunks: list[list] = []
        self._loaded: int | None = None
        self._found: dict = {}
        names = resource.get_import_id_fields()
        self.key = resource.fields[names[0]] if len(names) == 1 else None
        headers = (dataset.headers or ()) if dataset is not None else ()
        if self.key is None or self.key.column_name not in headers:
            return
        for value in dataset[self.key.column_name]:
            try:
                key = self.key.clean({self.key.column_name: value})
            except ValueError:
                continue  # the row's own import reports it
            if key in self._chunk_of:
                continue
            if not self._chunks or len(self._chunks[-1]) >= INSTANCE_CHUNK:
                self._chunks.append([])
            self._chunk_of[key] = len(self._chunks) - 1
            self._chunks[-1].append(key)

    def get_instance(self, row):
        if self.key is None:
            return super().get_instance(row)
        key = self.key.clean(row)
        chunk = self._chunk_of.get(key)
        if chunk is None:
            return super().get_instance(row)
        if chunk != self._loaded:
            attribute = self.key.attribute
            self._found = {
                getattr(instance, attribute): instance
                for instance in self.get_queryset().filter(
                    **{f"{attribute}__in": self._chunks[chunk]}
                )
            }
            self._loaded = chunk
        return self._found.get(key)


def loaded_references(instance) -> list[str]:
    """The instance's foreign keys that hold a saved row, as the reference widgets set
    them: they exist, so validation need not look each one up again."""
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.many_to_one
        and field.is_cached(instance)
        and getattr(field.get_cached_value(instance), "pk", None) is not None
    ]


def import_lock(model) -> None:
    """Make imports into `model` run one at a time: wait until no other transaction holds
    this lock, and hold it until the caller's transaction ends (call it inside one). A file
    imported while another is being imported is then read against what the other wrote,
    as if imported after it: overlapping files create each row once, instead of both
    taking the same new keys (and one of them failing on the database's unique index) or
    locking the same cards in opposite orders. Interactive edits are not held up. SQLite
    runs one writer at a time anyway; there the lock is not needed and not taken."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "import_lock needs a transaction to hold the lock."
        )
    digest = hashlib.blake2b(f"import:{model._meta.label}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


class ArchiveModelResource(resources.ModelResource):
    """A model resource that imports all or nothing, checks its required columns, refuses
    a key (`import_id_fields`) repeated within the file, and holds every row to the model's
    own validation (`full_clean`): a row that fails it is an error of that row and column.

    A resource whose rows are saved through a service that validates them (`full_clean`)
    opts out with `clean_model_instances = False` in its Meta; the service's
    `ValidationError` is then the row's error in the same way."""

    #: Columns a file must have; by default the key columns.
    required_columns: tuple[str, ...] = ()

    class Meta:
        instance_loader_class = ChunkedInstanceLoader
        clean_model_instances = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._duplicate_of: dict[int, int] = {}

    # All or nothing, whoever calls: one transaction, rolled back on any bad row.
    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs):
        # Before any row is looked up, whoever imports (the command, the admin's import
        # page): a file imported while another one is sees what that one wrote.
        import_lock(self._meta.model)
        normalize_headers(dataset)
        present = set(dataset.headers or ())
        missing = [column for column in required_columns(self) if column not in present]
        if missing:
            raise MissingColumns(missing)
        self._duplicate_of = duplicate_rows(self, dataset)

    def after_import_row(self, row, row_result, **kwargs):
        # The row's saved state before the import, kept by django-import-export for every
        # updated or unchanged row and read by nothing here: at 100,000 rows it held most
        # of the import's memory.
        row_result.original = None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The row's errors from its widgets and from the model's validation, raised
        together. Two checks that would cost a query per row are left out, as they are
        made already: a reference a widget loaded exists, and the key is unique (the
        instance loader found the saved row with that key, if any, and `before_import_row`
        refuses a key repeated in the file)."""
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            try:
                instance.full_clean(
                    exclude=[*errors, *loaded_references(instance)],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            if validate_unique:
                # As in full_clean, a field that already has an error is not checked again.
                exclude = [*errors, *self._key_attributes()]
                for validate in (instance.validate_unique, instance.validate_constraints):
                    try:
                        validate(exclude=exclude)
                    except ValidationError as error:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _key_attributes(self) -> list[str]:
        return [
            self.fields[name].attribute
            for name in self.get_import_id_fields()
            if name in self.fields
        ]

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            if isinstance(value, str):
                row[column] = value.strip()
        first = self._duplicate_of.get(kwargs.get("row_number"))
        if first is not None:
            raise ValidationError({self.get_import_id_fields()[0]: duplicate_message(self, first)})
