"""What the review API reads and writes: proposed card changes from every channel, with the
card's current value beside the proposed one, and a manager's decision."""

import datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive_crm.api.serializers import StrictBooleanField, StrictCharField
from customers.models import Contact, CreditIncident, Customer
from review.describers import describe_source
from review.models import Proposal
from review.services import (
    CARD_PROPOSABLE,
    CONTACT,
    CREDIT_INCIDENT,
    REVIEWED_CHANNELS,
    card_value,
)

CHANNELS = [(channel.value, channel.label) for channel in REVIEWED_CHANNELS]


class SourceNoteSerializer(serializers.Serializer):
    label = serializers.CharField()
    text = serializers.CharField()


class ProposalSourceSerializer(serializers.Serializer):
    """Where a proposal came from, as the review queue describes it (`review.describers`)."""

    type = serializers.CharField(help_text=_("What proposed it, as app.model, e.g. visits.visit"))
    id = serializers.IntegerField()
    title = serializers.CharField(allow_null=True)
    url = serializers.CharField(allow_null=True, help_text=_("The source's page"))
    author = serializers.CharField(allow_blank=True)
    when = serializers.CharField(allow_null=True, help_text=_("ISO 8601 date or date-time"))
    notes = SourceNoteSerializer(many=True)
    distance_km = serializers.FloatField(
        allow_null=True,
        help_text=_("How far from the customer's coordinates the source was made"),
    )
    flags = serializers.ListField(child=serializers.CharField())


def _source(proposal: Proposal) -> dict | None:
    """The source's type and id, and what its channel's describer tells of it (nothing
    more when the source is gone)."""
    if proposal.source_type is None:
        return None
    kind = proposal.source_type
    body = {
        "type": f"{kind.app_label}.{kind.model}",
        "id": proposal.source_id,
        "title": None,
        "url": None,
        "author": "",
        "when": None,
        "notes": [],
        "distance_km": None,
        "flags": [],
    }
    described = describe_source(proposal.source, proposal.customer)
    if described is not None:
        when = described.when
        if isinstance(when, datetime.datetime):
            when = serializers.DateTimeField().to_representation(when)
        elif isinstance(when, datetime.date):
            when = when.isoformat()
        body.update(
            title=str(described.title),
            url=described.url,
            author=described.author,
            when=when,
            notes=[{"label": str(label), "text": text} for label, text in described.notes],
            distance_km=described.distance_km,
            flags=[str(flag) for flag in described.flags],
        )
    return body


class ProposalSerializer(serializers.ModelSerializer):
    """A proposed change to one card field (or a new contact or credit incident), the
    card's value now beside it, where it came from and what was decided."""

    # Read from `proposals_visible_to`, which selects the customer and the reference data
    # `current_value` reads, and prefetches the sources their describers read.

    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    field_label = serializers.SerializerMethodField()
    current_value = serializers.SerializerMethodField(
        help_text=_(
            "The card's value of the field now, as the customers API writes it; null for a "
            "new contact or credit incident."
        )
    )
    proposed_value = serializers.JSONField(source="value", read_only=True)
    base_value = serializers.JSONField(
        read_only=True, help_text=_("The card's value when the change was proposed.")
    )
    card_changed = serializers.SerializerMethodField(
        help_text=_(
            "Whether the card's field changed since the proposal: accepting then needs `confirm`."
        )
    )
    channel = serializers.ChoiceField(choices=CHANNELS, read_only=True)
    source = serializers.SerializerMethodField()
    proposed_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of who proposed it; null for a customer's own form."),
    )
    decided_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of the manager who accepted or rejected it."),
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "customer",
            "customer_code",
            "customer_name",
            "field",
            "field_label",
            "current_value",
            "proposed_value",
            "base_value",
            "card_changed",
            "channel",
            "status",
            "source",
            "proposed_by",
            "filed_at",
            "decided_by",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields

    def get_field_label(self, proposal: Proposal) -> str:
        if proposal.field == CONTACT:
            return str(Contact._meta.verbose_name)
        if proposal.field == CREDIT_INCIDENT:
            return str(CreditIncident._meta.verbose_name)
        return str(Customer._meta.get_field(proposal.field).verbose_name)

    @extend_schema_field(OpenApiTypes.ANY)
    def get_current_value(self, proposal: Proposal):
        return card_value(proposal.customer, proposal.field)

    def get_card_changed(self, proposal: Proposal) -> bool:
        return proposal.field in CARD_PROPOSABLE and (
            card_value(proposal.customer, proposal.field) != proposal.base_value
        )

    @extend_schema_field(ProposalSourceSerializer(allow_null=True))
    def get_source(self, proposal: Proposal):
        return _source(proposal)


class ProposalAcceptSerializer(serializers.Serializer):
    confirm = StrictBooleanField(
        default=False,
        help_text=_(
            "Accept although the card's field changed since the proposal (after a 409 that "
            "showed its current value)."
        ),
    )
    comment = StrictCharField(max_length=500, allow_blank=True, default="")


class ProposalRejectSerializer(serializers.Serializer):
    comment = StrictCharField(max_length=500, allow_blank=True, default="")


class ProposalConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["decided", "stale", "archived"])
    status = serializers.ChoiceField(
        choices=Proposal.Status.choices,
        required=False,
        help_text=_("With `decided`: what was decided."),
    )
    current_value = serializers.JSONField(
        required=False, help_text=_("With `stale`: the card's value now.")
    )
    base_value = serializers.JSONField(
        required=False, help_text=_("With `stale`: the card's value when proposed.")
    )
    proposed_value = serializers.JSONField(required=False)
