"""What the customers API reads and writes. Serializers only convert and check the shape of
the input; every write goes through `customers.services` in the views."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from archive_crm.api.serializers import ModelSerializer, SlugRelatedField
from classification.lifecycle import TimeSeries, TransactionProcess, lifecycle_windows_for
from classification.models import CustomerType, OwnershipForm, Region, Route
from customers.models import CARD_FIELDS, Contact, CreditIncident, Customer
from customers.selectors import customer_completeness
from customers.validators import validate_credit_code


def _reference(model, help_text) -> serializers.SlugRelatedField:
    return SlugRelatedField(
        slug_field="code",
        queryset=model.objects.all(),
        allow_null=True,
        required=False,
        help_text=help_text,
    )


class CustomerSerializer(ModelSerializer):
    """A customer card. Reference data is written and read by code, the salesperson by
    username; the grade is read-only (set by the regrade) and shown by name."""

    # Any user is looked up here; the card's service decides who may be assigned (a member
    # of the sales group) and by whom, for every channel alike.
    salesperson = SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        allow_null=True,
        required=False,
        help_text=_(
            "Username of the salesperson (a member of the sales group). Sales staff may only "
            "assign themselves, and a card they create is theirs by default."
        ),
    )
    customer_type = _reference(
        CustomerType, _("Code of the customer type (see /api/v1/customer-types/), or null.")
    )
    ownership = _reference(
        OwnershipForm, _("Code of the ownership form (see /api/v1/ownership-forms/), or null.")
    )
    region = _reference(Region, _("Code of the region (see /api/v1/regions/), or null."))
    route = _reference(Route, _("Code of the route (see /api/v1/routes/), or null."))
    grade = serializers.CharField(
        source="grade.name",
        read_only=True,
        allow_null=True,
        help_text=_("The grade's name, null if the customer has no grade."),
    )
    grade_code = serializers.CharField(source="grade.code", read_only=True, allow_null=True)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The card's version. Every update (PUT/PATCH) must send the version it read; "
            "a stale one is refused with 409."
        ),
    )
    completeness = serializers.SerializerMethodField(
        help_text=_("Share of the card's fields that are filled, in percent.")
    )
    time_series = serializers.SerializerMethodField(
        help_text=_("old, new or future: from the first sale and the new-customer window.")
    )
    transaction_process = serializers.SerializerMethodField(
        help_text=_(
            "before, now or upcoming (a prospect with a planned first deal): from the last "
            "sale and the active window; null for a prospect without a planned deal."
        )
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            *CARD_FIELDS,
            "status",
            "version",
            "grade",
            "grade_code",
            "completeness",
            "time_series",
            "transaction_process",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "archived_at", "created_at", "updated_at"]
        # The card's uniqueness rule for credit codes (blank ones excepted), said with the
        # card's own words and named after the field.
        extra_kwargs = {
            "code": {
                "required": False,
                "allow_blank": True,
                "help_text": _(
                    "The customer code; leave it out when creating a card to have it numbered "
                    "automatically."
                ),
            },
            "credit_code": {
                "validators": [
                    validate_credit_code,
                    UniqueValidator(
                        queryset=Customer.objects.exclude(credit_code=""),
                        message=_("Another customer has this credit code."),
                    ),
                ]
            },
        }

    def get_completeness(self, customer: Customer) -> int:
        return customer_completeness(customer).overall

    @extend_schema_field({"type": "string", "enum": TimeSeries.values})
    def get_time_series(self, customer: Customer) -> str:
        return lifecycle_windows_for(self.context.get("request")).time_series_of(customer)

    @extend_schema_field({"type": "string", "enum": TransactionProcess.values, "nullable": True})
    def get_transaction_process(self, customer: Customer) -> str | None:
        return lifecycle_windows_for(self.context.get("request")).transaction_process_of(customer)

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError(
                {"version": _("Send the version of the card you are updating.")},
                code="required",
            )
        return attrs

    def card_data(self) -> dict:
        """The validated input as card fields, for `customer_create`/`card_update`."""
        return {key: value for key, value in self.validated_data.items() if key in CARD_FIELDS}


class DuplicateSerializer(serializers.Serializer):
    """A possible duplicate: what matched, and the card's code and name when the user may
    see it (null otherwise: a colleague's customer; ask a manager)."""

    matches = serializers.ListField(
        child=serializers.ChoiceField(choices=["name", "credit_code", "phone"]),
        help_text=_("What is the same: name, credit_code and/or phone."),
    )
    in_scope = serializers.SerializerMethodField(
        help_text=_("Whether the card is one of yours; if not, its data is not shown.")
    )
    code = serializers.CharField(source="customer.code", allow_null=True, default=None)
    name = serializers.CharField(source="customer.name", allow_null=True, default=None)

    def get_in_scope(self, duplicate) -> bool:
        return duplicate.customer is not None


class CustomerCreatedSerializer(CustomerSerializer):
    duplicates = DuplicateSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "A warning, not an error: other cards with the same name, credit code or phone."
        ),
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "duplicates"]


@extend_schema_field(OpenApiTypes.STR)
class HistoryValueField(serializers.Field):
    """A value from the card's history as text (dates in ISO 8601), null when empty."""

    def to_representation(self, value):
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return str(value)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = HistoryValueField(allow_null=True)
    new = HistoryValueField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    KINDS = {"+": "created", "~": "changed", "-": "deleted"}

    when = serializers.DateTimeField()
    user = serializers.CharField(source="user.username", allow_null=True)
    channel = serializers.CharField()
    channel_label = serializers.CharField()
    kind = serializers.SerializerMethodField(help_text=_("created, changed or deleted"))
    reason = serializers.CharField()
    changes = FieldChangeSerializer(many=True)

    def get_kind(self, entry) -> str:
        return self.KINDS.get(entry.kind, entry.kind)


class TimelineSerializer(serializers.Serializer):
    results = TimelineEntrySerializer(many=True)


class TimelineQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=500, default=50, help_text=_("How many entries, newest first.")
    )


class ScopedCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id within the requesting user's scope; any other id does not exist."""

    def get_queryset(self):
        return Customer.objects.visible_to(self.context["request"].user)


class CustomerPartSerializer(ModelSerializer):
    """A record that belongs to one card (contact, credit incident) and stays with it. Like
    the card, it carries a version: an update sends the version it read, a stale one is
    refused with 409."""

    customer = ScopedCustomerField(help_text=_("The customer's id."))
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The record's version. Every update (PUT/PATCH) must send the version it read; "
            "a stale one is refused with 409."
        ),
    )

    def validate_customer(self, value):
        if self.instance is not None and value.pk != self.instance.customer_id:
            raise serializers.ValidationError(_("A record cannot move to another customer."))
        return value

    def validate(self, attrs):
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError(
                {"version": _("Send the version of the record you are updating.")},
                code="required",
            )
        return attrs


class ContactSerializer(CustomerPartSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "role",
            "phone",
            "mobile",
            "email",
            "notes",
            "is_primary",
            "version",
        ]
        # Making a contact primary demotes the previous one (contact_save), so the
        # one-primary constraint must not refuse the request up front.
        validators = []


class CreditIncidentSerializer(CustomerPartSerializer):
    class Meta:
        model = CreditIncident
        fields = [
            "id",
            "customer",
            "occurred_on",
            "kind",
            "amount",
            "description",
            "resolved_on",
            "resolution",
            "version",
        ]
