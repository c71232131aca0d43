"""The audit pages' filters (GET)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from archive_crm.forms import DayField
from audit.selectors import SignInKind
from customers.filters import PersonChoiceField
from customers.models import Channel

PAGE_SIZE_DEFAULT = 25
PAGE_SIZES = (25, 50, 100)


class AuditFilterForm(forms.Form):
    """A period of days (both included) and the page size, common to both pages."""

    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
        empty_value=PAGE_SIZE_DEFAULT,
    )

    # The fields outside the folding "Filters" (a phone's).
    main_field = ""

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The period ends before it starts."))
        return cleaned


class ChangeFilterForm(AuditFilterForm):
    q = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Code or name")}),
    )
    user = PersonChoiceField(
        label=_("Changed by"),
        required=False,
        queryset=get_user_model().objects.order_by("username"),
        to_field_name="username",
        empty_label=_("Everybody"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )

    field_order = ["q", "user", "channel", "date_from", "date_to", "page_size"]
    main_field = "q"


class SignInFilterForm(AuditFilterForm):
    username = forms.CharField(
        label=_("Username"),
        required=False,
        max_length=150,
        widget=forms.SearchInput(),
    )
    kind = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All events")), *SignInKind.choices]
    )

    field_order = ["username", "kind", "date_from", "date_to", "page_size"]
    main_field = "username"
