"""What the investigations API reads and writes. The input serializers check the shape of a
request; the rules (managers only, active agencies and cards, the delivery's dates, which
card changes an investigation may propose, the report file's type and size) are the
services', which the views call."""

from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive_crm.api.serializers import (
    DecimalStringField,
    ModelSerializer,
    SlugRelatedField,
    StrictCharField,
)
from classification.api.serializers import REFERENCE_FIELDS
from customers.api.serializers import ScopedCustomerField
from customers.models import Customer
from investigations.models import Agency, Investigation, RiskLevel
from investigations.services import PROPOSABLE
from review.models import Proposal


class AgencySerializer(ModelSerializer):
    class Meta:
        model = Agency
        fields = [*REFERENCE_FIELDS, "contact", "phone"]


class InvestigationProposalSerializer(serializers.ModelSerializer):
    """A card change the investigation proposed, and what the review made of it."""

    value = serializers.JSONField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "field", "value", "status", "filed_at", "decided_at", "comment"]
        read_only_fields = fields


class InvestigationSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    agency = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The agency's code.")
    )
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Blank until the delivery is recorded: the schema's enums include "".
    credit_rating = serializers.ChoiceField(
        choices=Customer.CreditRating.choices,
        allow_blank=True,
        read_only=True,
        label=capfirst(Investigation._meta.get_field("credit_rating").verbose_name),
    )
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices,
        allow_blank=True,
        read_only=True,
        label=capfirst(Investigation._meta.get_field("risk_level").verbose_name),
    )
    report = serializers.SerializerMethodField(
        help_text=_("Where to download the agency's report file; null until one is stored.")
    )
    # Filled by the views in one query for all the investigations of a page.
    proposals = InvestigationProposalSerializer(source="proposal_list", many=True, read_only=True)

    class Meta:
        model = Investigation
        fields = [
            "id",
            "customer",
            "customer_code",
            "customer_name",
            "agency",
            "agency_name",
            "status",
            "requested_on",
            "delivered_on",
            "cost",
            "scope",
            "findings",
            "credit_rating",
            "risk_level",
            "recommended_credit_limit",
            "report",
            "report_content_type",
            "report_size",
            "requested_by",
            "proposals",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_report(self, investigation: Investigation) -> str | None:
        if not investigation.report:
            return None
        url = reverse("investigation-report", args=[investigation.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class InvestigationCreateSerializer(ModelSerializer):
    customer = ScopedCustomerField(help_text=_("The id of the customer to investigate."))
    agency = SlugRelatedField(
        slug_field="code",
        queryset=Agency.objects.all(),
        help_text=_("The code of an active agency."),
    )

    class Meta:
        model = Investigation
        fields = ["customer", "agency", "requested_on", "cost", "scope"]
        extra_kwargs = {
            "requested_on": {
                "required": False,
                "help_text": _("The day it was requested; today when left out."),
            },
            "cost": {"help_text": _("The cost agreed with the agency.")},
        }


class InvestigationProposalInputSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=PROPOSABLE,
        help_text=_("credit_rating, credit_limit, or credit_incident for a past credit problem."),
    )
    value = serializers.JSONField(
        allow_null=True,
        help_text=_(
            "The new value as the customers API writes it (a rating's code, a decimal "
            "string); for a credit incident, an object with occurred_on, kind, amount and "
            "description."
        ),
    )


class DeliverySerializer(serializers.Serializer):
    delivered_on = serializers.DateField(help_text=_("The day the agency's report arrived."))
    findings = StrictCharField(allow_blank=True, required=False)
    credit_rating = serializers.ChoiceField(
        choices=Customer.CreditRating.choices, allow_blank=True, required=False
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    recommended_credit_limit = DecimalStringField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    cost = DecimalStringField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("The final cost, when it differs from the one agreed."),
    )
    proposals = InvestigationProposalInputSerializer(
        many=True,
        required=False,
        help_text=_("Card changes to propose: they go to the review queue at once."),
    )


class ReportUploadSerializer(serializers.Serializer):
    report = serializers.FileField(help_text=_("The agency's report: a PDF, JPEG or PNG file."))
