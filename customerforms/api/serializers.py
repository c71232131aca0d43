"""What the customer form links API reads and writes. The input serializers check the shape of
a request; the rules (whose customers, how long a link may work, which fields the form has,
the states) are the services', which the views call."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from archive_crm.api.serializers import ModelSerializer, StrictCharField, StrictEmailField
from customerforms.conf import expiry_days_max
from customerforms.models import FORM_FIELDS, NOTE_MAX_LENGTH, FormLink
from customers.api.serializers import ScopedCustomerField


class ExpiryDaysField(serializers.IntegerField):
    """How many days a link works: from 1 to the server's maximum (90 unless set otherwise),
    read when a request comes (a field is made anew for each one)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=expiry_days_max(), **kwargs)


class FormLinkSerializer(serializers.ModelSerializer):
    """A link as staff follow it; its address is not stored, so it is not here."""

    state = serializers.ChoiceField(
        choices=FormLink.State.choices,
        read_only=True,
        help_text=_("sent, opened, submitted, expired or revoked, now."),
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Text, not `format: email`: empty when the link was not e-mailed.
    email = serializers.CharField(
        read_only=True, label=capfirst(FormLink._meta.get_field("email").verbose_name)
    )
    shared_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=FORM_FIELDS),
        read_only=True,
        help_text=_("The card fields whose current values the form shows."),
    )

    class Meta:
        model = FormLink
        fields = [
            "id",
            "customer",
            "state",
            "expires_at",
            "note",
            "shared_fields",
            "email",
            "emailed_at",
            "created_by",
            "created_at",
            "opened_at",
            "submitted_at",
            "revoked_at",
            "reopened_at",
            "replaces",
        ]
        read_only_fields = fields


class FormLinkCreatedSerializer(FormLinkSerializer):
    url = serializers.CharField(
        read_only=True,
        help_text=_(
            "The public form's absolute address. It holds the link's token, which is not "
            "stored: this answer is the only time it is given."
        ),
    )

    class Meta(FormLinkSerializer.Meta):
        fields = [*FormLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields


class FormLinkCreateSerializer(ModelSerializer):
    """A request for a new link. Its model gives the schema the customer's type; the link
    itself is made by `link_create`."""

    customer = ScopedCustomerField(help_text=_("The id of a customer in your scope."))
    expires_in_days = ExpiryDaysField(
        required=False,
        help_text=_(
            "How many days the link works; without it, the server's default (14 days unless "
            "set otherwise)."
        ),
    )
    note = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("A note shown at the top of the form, and in the e-mail."),
    )
    shared_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=FORM_FIELDS),
        required=False,
        help_text=_(
            "The card fields whose current values the form shows (named as in the customers "
            "API); by default none, and the form starts empty."
        ),
    )
    email = StrictEmailField(
        required=False, allow_blank=True, help_text=_("E-mail the link to this address.")
    )

    class Meta:
        model = FormLink
        fields = ["customer", "expires_in_days", "note", "shared_fields", "email"]


class FormLinkReopenSerializer(serializers.Serializer):
    expires_in_days = ExpiryDaysField(
        required=False, help_text=_("How many days the link works again.")
    )
