"""What the visit reports API reads and writes. The input serializers check the shape of a
report and its visits; the rules (whose customers, which fields may be proposed, one report
a day, drafts only) are the services', which the views call."""

import datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive_crm.api.fields import ClockTimeField
from archive_crm.api.serializers import ModelSerializer
from customers.api.serializers import ScopedCustomerField
from review.models import Proposal
from review.services import PROPOSABLE
from visits.models import Visit, VisitReport
from visits.services import VISIT_FIELDS, report_deadline


class ProposalInputSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=PROPOSABLE,
        help_text=_(
            "A card field, named as in the customers API; or contact / credit_incident for a "
            "new contact or credit incident."
        ),
    )
    value = serializers.JSONField(
        allow_null=True,
        help_text=_(
            "The new value as the customers API writes it (codes for reference data, "
            "YYYY-MM-DD dates, decimal strings); for a contact or credit incident, an object "
            "with its fields."
        ),
    )


class VisitInputSerializer(ModelSerializer):
    customer = ScopedCustomerField(help_text=_("The id of one of your customers."))
    time = ClockTimeField(allow_null=True, required=False)
    proposals = ProposalInputSerializer(
        many=True, required=False, help_text=_("Proposed changes to the customer's card.")
    )

    class Meta:
        model = Visit
        fields = [*VISIT_FIELDS, "proposals"]


class VisitReportCreateSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("The day the report is for (one report a day)."))
    visits = VisitInputSerializer(many=True, required=False)


class VisitProposalSerializer(serializers.ModelSerializer):
    """A proposal as its author follows it: what was proposed and what became of it."""

    value = serializers.JSONField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "field", "value", "status", "filed_at", "decided_at", "comment"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    time = ClockTimeField(read_only=True, allow_null=True)
    # Filled by the views in one query for all the visits of a page (`proposals_attach`).
    proposals = VisitProposalSerializer(source="proposal_list", many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "customer",
            "customer_code",
            "customer_name",
            *(name for name in VISIT_FIELDS if name != "customer"),
            "checked_in_at",
            "proposals",
        ]
        read_only_fields = fields


class VisitReportSerializer(serializers.ModelSerializer):
    salesperson = serializers.SlugRelatedField(slug_field="username", read_only=True)
    deadline = serializers.SerializerMethodField(
        help_text=_("When the report is due; submitted after it, the report is late.")
    )
    visits = VisitSerializer(many=True, read_only=True)

    class Meta:
        model = VisitReport
        fields = [
            "id",
            "date",
            "salesperson",
            "status",
            "late",
            "deadline",
            "submitted_at",
            "version",
            "visits",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_deadline(self, report: VisitReport) -> str:
        deadline = report_deadline(report.date)
        if deadline.utcoffset().seconds % 60:
            # Before 1901 the company's zone keeps local mean time, whose offset has seconds
            # that RFC 3339 cannot write: such a deadline is given in UTC.
            return deadline.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        return serializers.DateTimeField().to_representation(deadline)
