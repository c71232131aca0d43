"""Forms of the customer data form pages: the public form the customer fills in, and the
staff's forms to send and reopen a link. They validate input and lay it out; the writes are
the services'."""

import copy
from dataclasses import dataclass

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from customerforms.conf import expiry_days_default, expiry_days_max
from customerforms.models import FORM_FIELDS, NOTE_MAX_LENGTH, FormLink
from customers.forms import CustomerForm
from customers.models import CARD_SECTIONS, SECTION_LABELS, Customer

FORM_SECTIONS = ("basic", "characteristics")


@dataclass(frozen=True)
class Fieldset:
    key: str
    label: str
    fields: list  # of bound fields


class CustomerDataForm(forms.Form):
    """The customer's own data (`FORM_FIELDS`), each field exactly as the card's form
    defines it (type, length, choices, date and number inputs), named as in the customers
    API. Only the fields the link shares start with the card's value; the others start
    empty and may stay so. A field is required only when it was shared and the card needs
    it (clearing the customer's name is no answer)."""

    def __init__(self, *args, link: FormLink, **kwargs):
        super().__init__(*args, **kwargs)
        customer = link.customer
        for name in FORM_FIELDS:
            field = copy.deepcopy(CustomerForm.base_fields[name])
            field.required = field.required and name in link.shared_fields
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
            if name in link.shared_fields:
                field.initial = getattr(customer, name)
            self.fields[name] = field

    def fieldsets(self) -> list[Fieldset]:
        return [
            Fieldset(
                key,
                SECTION_LABELS[key],
                [self[name] for name in CARD_SECTIONS[key] if name in self.fields],
            )
            for key in FORM_SECTIONS
        ]


def _expiry_field() -> forms.IntegerField:
    """How many days a link works, within the settings' bounds as they are now."""
    return forms.IntegerField(
        label=_("Works for (days)"),
        min_value=1,
        max_value=expiry_days_max(),
        initial=expiry_days_default(),
    )


class LinkCreateForm(forms.Form):
    """A new link for one customer: how long it works, a note to the customer, which of the
    card's values the form shows, and where to e-mail it."""

    note = forms.CharField(
        label=_("Note to the customer"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown at the top of the form, and in the e-mail."),
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Fields shown with the card's values"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The form starts empty except for the customer's name in its title; tick the "
            "fields whose current values the customer should see and check."
        ),
    )
    email = forms.EmailField(
        label=_("E-mail the link to"),
        required=False,
        help_text=_("Optional: the link is also shown on the next page, to copy."),
    )
    # The earlier link of the customer that this one replaces (and revokes).
    replaces = forms.ModelChoiceField(
        queryset=FormLink.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"] = _expiry_field()
        self.fields["replaces"].queryset = FormLink.objects.filter(customer=customer)
        self.fields["shared_fields"].choices = [
            (name, _shared_label(customer, name)) for name in FORM_FIELDS
        ]


def _shared_label(customer: Customer, name: str) -> str:
    """A field's name with the card's value that ticking it shares."""
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if field.choices and value:
        value = getattr(customer, f"get_{name}_display")()
    label = capfirst(field.verbose_name)
    if value in (None, ""):
        return _("%(field)s (empty on the card)") % {"field": label}
    return f"{label}: {value}"


class ReopenForm(forms.Form):
    """How long a reopened link works again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"] = _expiry_field()
