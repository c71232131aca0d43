"""Import and export of customers and contacts (django-import-export).

The file layout is a contract (SPEC 4): customers as `code,name,phone,address,region,
customer_type,salesperson`, everything but code and name optional in a file. Imported rows
are saved through the card services, so history and provenance record channel "import",
and a file with any bad row imports nothing (see `dataexchange.resources`).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field

from classification.models import CustomerType, Region
from customers.models import Channel, Contact, Customer
from customers.services import (
    CardArchived,
    CardConflict,
    CardsInvalid,
    RecordConflict,
    card_update,
    contact_save,
    customers_create_bulk,
)
from dataexchange.resources import ArchiveModelResource, ReferenceWidget, TextWidget, cell_text

CUSTOMER_COLUMNS = ("code", "name", "phone", "address", "region", "customer_type", "salesperson")
# Accepted on import, never exported: the contract's export layout stays exactly the columns
# above, while a file may still carry the credit code of a new customer.
CUSTOMER_IMPORT_ONLY = ("credit_code",)
CUSTOMER_RELATED = ("region", "customer_type", "salesperson")


def _text_field(name: str) -> Field:
    return Field(attribute=name, column_name=name, widget=TextWidget())


def _user_widget() -> ReferenceWidget:
    return ReferenceWidget(
        get_user_model(), lookup_fields=("username",), described_as=_("username")
    )


class FlagWidget(widgets.BooleanWidget):
    """Yes/no: 1/0, true/false, 是/否; an empty cell is no."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "yes", "Yes", "YES", "是"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "no", "No", "NO", "否"]

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text in ("", "None", "null"):
            return False
        if text in map(str, self.TRUE_VALUES):
            return True
        if text in map(str, self.FALSE_VALUES):
            return False
        raise ValueError(_("“%(value)s” is not yes or no (1/0).") % {"value": text})


class CustomerResource(ArchiveModelResource):
    """Customers by code: a known code updates that card (only the columns present in the
    file, only the values that differ), an unknown code creates one. Region and customer
    type are found by code or name, the salesperson by username; all must exist."""

    code = _text_field("code")
    name = _text_field("name")
    phone = _text_field("phone")
    address = _text_field("address")
    region = Field(attribute="region", column_name="region", widget=ReferenceWidget(Region))
    customer_type = Field(
        attribute="customer_type",
        column_name="customer_type",
        widget=ReferenceWidget(CustomerType),
    )
    salesperson = Field(attribute="salesperson", column_name="salesperson", widget=_user_widget())
    credit_code = _text_field("credit_code")

    required_columns = ("code", "name")
    # Files are imported through the streaming loader (the same columns and cell rules,
    # the card services' bulk doors); the admin's own import runs the resource row by row.
    bulk_loader = "customers.loader.customers_load"

    class Meta:
        model = Customer
        fields = (*CUSTOMER_COLUMNS, *CUSTOMER_IMPORT_ONLY)
        import_order = (*CUSTOMER_COLUMNS, *CUSTOMER_IMPORT_ONLY)
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True
        # The card services validate (full_clean) as they save; validating here too would
        # only repeat their queries.
        clean_model_instances = False
        # New cards are created a batch at a time (customers_create_bulk); a known card is
        # changed through card_update, row by row, like every other edit.
        use_bulk = True
        batch_size = 1000

    def get_queryset(self):
        return Customer.objects.select_related(*CUSTOMER_RELATED)

    def get_export_order(self):
        return CUSTOMER_COLUMNS

    def filter_export(self, queryset, **kwargs):
        # Whatever queryset a caller exports, the export stays one query.
        if isinstance(queryset, QuerySet):
            queryset = queryset.select_related(*CUSTOMER_RELATED)
        return queryset

    _actor = None  # who imports: recorded in the history of every card the file writes

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._actor = kwargs.get("user")

    def save_instance(self, instance, is_create, row, **kwargs):
        imported = [
            field.attribute for field in self.get_import_fields() if field.column_name in row
        ]
        data = {name: getattr(instance, name) for name in imported}
        if is_create:
            self.create_instances.append((kwargs["row_number"], row, data))
            return
        try:
            # card_update compares with the saved card and records only what changed.
            saved = card_update(
                customer=instance,
                changes=data,
                actor=self._actor,
                channel=Channel.IMPORT,
                expected_version=instance.version,
            )
        except (CardConflict, CardArchived) as error:
            raise ValidationError(str(error)) from error
        instance.version = saved.version

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Create the batch of new cards; a bad card is a validation error of its row."""
        pending, self.create_instances = self.create_instances, []
        if not pending:
            return
        try:
            customers_create_bulk(
                cards=[data for _number, _row, data in pending],
                actor=self._actor,
                channel=Channel.IMPORT,
            )
        except CardsInvalid as invalid:
            for position, error in sorted(invalid.errors.items()):
                number, row, _data = pending[position]
                result.append_invalid_row(number, row, error)


class ContactResource(ArchiveModelResource):
    """Contacts by customer code and contact name: a known pair updates the contact."""

    customer = Field(
        attribute="customer",
        column_name="customer",
        widget=ReferenceWidget(Customer, lookup_fields=("code",), described_as=_("code")),
    )
    name = _text_field("name")
    role = _text_field("role")
    phone = _text_field("phone")
    mobile = _text_field("mobile")
    email = _text_field("email")
    is_primary = Field(attribute="is_primary", column_name="is_primary", widget=FlagWidget())

    class Meta:
        model = Contact
        fields = ("customer", "name", "role", "phone", "mobile", "email", "is_primary")
        import_order = fields
        export_order = fields
        import_id_fields = ("customer", "name")
        skip_unchanged = True
        report_skipped = True
        # contact_save validates (full_clean) as it saves; its ValidationError is the
        # row's error, named by column.
        clean_model_instances = False

    def get_queryset(self):
        return Contact.objects.select_related("customer")

    def filter_export(self, queryset, **kwargs):
        if isinstance(queryset, QuerySet):
            queryset = queryset.select_related("customer")
        return queryset

    def get_instance(self, instance_loader, row):
        # An unknown customer is reported by the customer column, not as a crash here.
        if "customer" not in row or "name" not in row:
            return None
        try:
            customer = self.fields["customer"].clean(row)
        except ValueError:
            return None
        if customer is None:
            return None
        return (
            self.get_queryset()
            .filter(customer=customer, name=cell_text(row["name"]))
            .order_by("pk")
            .first()
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            # A contact the file updates must not have changed since the import read it.
            contact_save(
                contact=instance,
                actor=kwargs.get("user"),
                channel=Channel.IMPORT,
                expected_version=None if is_create else instance.version,
            )
        except (RecordConflict, CardArchived) as error:
            raise ValidationError(str(error)) from error
