"""Forms of the salesperson's report pages. They validate input and lay it out; the writes
are the services' (`visit_add`, `visit_update`, `proposal_add`, `photo_add`, and
`customer_create` for a prospect met on the spot)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from archive_crm.forms import DateInput, add_service_error
from customers.forms import CARD_FORM_LABELS
from customers.models import (
    CARD_SECTIONS,
    PLANNING_FIELDS,
    SECTION_LABELS,
    Contact,
    CreditIncident,
    Customer,
)
from review.selectors import RECORD_LABELS, field_label
from review.services import (
    CARD_PROPOSABLE,
    CONTACT,
    CONTACT_FIELDS,
    CREDIT_INCIDENT,
    CREDIT_INCIDENT_FIELDS,
    PROPOSABLE,
    card_value,
    to_json,
)
from visits.models import Visit, VisitPhoto

NEW_PROSPECT = "new"
# What a salesperson types on the spot for a new prospect: card fields, by form field.
PROSPECT_FIELDS = {
    "prospect_name": "name",
    "prospect_phone": "phone",
    "prospect_address": "address",
}
# The notes of a visit, which the page saves as they are typed (see `VisitNotesForm`).
NOTE_FIELDS = ("purpose", "summary", "situation", "next_steps")


class VisitForm(forms.ModelForm):
    """A visit as the page shows it: the customer (one of the salesperson's active
    customers, picked from the day's route stops or a search, or a new prospect with its
    name and phone), then what happened. The form's fields are exactly what the page
    renders, so a save writes nothing the page did not show."""

    customer = forms.CharField(label=_("Customer"), required=False)
    prospect_name = forms.CharField(
        label=Customer._meta.get_field("name").verbose_name, max_length=200, required=False
    )
    prospect_phone = forms.CharField(
        label=Customer._meta.get_field("phone").verbose_name,
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    prospect_address = forms.CharField(
        label=Customer._meta.get_field("address").verbose_name, max_length=255, required=False
    )
    prospect_anyway = forms.BooleanField(
        label=_("It is a new customer: create the prospect anyway"), required=False
    )

    class Meta:
        model = Visit
        fields = (
            "time",
            "kind",
            "purpose",
            "summary",
            "situation",
            "next_steps",
            "follow_up_on",
            "latitude",
            "longitude",
        )
        widgets = {
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "kind": forms.RadioSelect,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "situation": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": DateInput(),
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Visit.Kind.choices  # no empty choice: it has a default
        self.can_add_prospect = user.has_perm("customers.add_customer")
        # The customer a visit already has stays a choice, even once archived.
        self.customers = Customer.objects.visible_to(user).filter(
            Q(status=Customer.Status.ACTIVE) | Q(pk=self.instance.customer_id)
        )
        if self.instance.pk and not self.is_bound:
            self.initial["customer"] = str(self.instance.customer_id)

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if value == NEW_PROSPECT and self.can_add_prospect:
            return NEW_PROSPECT
        if not value:
            raise ValidationError(
                _("Pick the customer you visited, or add a new prospect."), code="required"
            )
        customer = self.customers.filter(pk=value).first() if value.isdigit() else None
        if customer is None:
            raise ValidationError(_("Pick one of your customers."), code="invalid_choice")
        return customer

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("customer") == NEW_PROSPECT and not cleaned.get("prospect_name", "").strip():
            self.add_error("prospect_name", _("Enter the new prospect's name."))
        return cleaned

    @property
    def is_prospect(self) -> bool:
        return self.cleaned_data.get("customer") == NEW_PROSPECT

    def prospect_data(self) -> dict:
        """The new prospect's card fields."""
        return {card: self.cleaned_data[name].strip() for name, card in PROSPECT_FIELDS.items()}

    def visit_data(self) -> dict:
        """The visit's fields for `visit_add` (the customer apart)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def visit_changes(self) -> dict:
        """The visit's fields the person changed, for `visit_update` (the customer apart)."""
        return {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.changed_data
        }

    def add_prospect_error(self, error: ValidationError) -> None:
        """A refusal of the new prospect's card, on the prospect's fields."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        by_card = {card: name for name, card in PROSPECT_FIELDS.items()}
        for field, errors in error.error_dict.items():
            self.add_error(by_card.get(field), errors)

    def add_service_error(self, error: ValidationError) -> None:
        add_service_error(self, error)


class VisitNotesForm(forms.ModelForm):
    """The notes of a visit, saved while they are typed: only the notes that were sent."""

    class Meta:
        model = Visit
        fields = NOTE_FIELDS

    def __init__(self, data, *, instance):
        super().__init__(data, instance=instance)
        for name in NOTE_FIELDS:
            if name not in data:
                del self.fields[name]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


def _card_formfield(name: str) -> forms.Field:
    """The input for a new value of the card field `name`, as the card's own form would
    take it (choice lists, dates, numbers); reference data by code, active entries only."""
    model_field = Customer._meta.get_field(name)
    kwargs: dict = {"label": _("New value")}
    if model_field.is_relation:
        kwargs["queryset"] = model_field.related_model.objects.filter(is_active=True)
        kwargs["to_field_name"] = "code"
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    if isinstance(model_field, models.DateField):
        kwargs["widget"] = DateInput()
    elif isinstance(model_field, models.TextField):
        kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
    field = model_field.formfield(**kwargs)
    if name == "phone":
        field.widget.input_type = "tel"
    if isinstance(model_field, models.DecimalField):
        field.widget.attrs["inputmode"] = "decimal"
    return field


def _record_formfields(model, names, prefix: str) -> dict[str, forms.Field]:
    fields = {}
    for name in names:
        model_field = model._meta.get_field(name)
        kwargs = {}
        if isinstance(model_field, models.DateField):
            kwargs["widget"] = DateInput()
        elif isinstance(model_field, models.TextField):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
        field = model_field.formfield(**kwargs)
        if name in ("phone", "mobile"):
            field.widget.input_type = "tel"
        fields[f"{prefix}{name}"] = field
    return fields


def proposable_choices() -> list:
    """The card fields a salesperson may propose, grouped as the card shows them; a new
    contact closes the basic data and a new credit incident the transaction status, where
    the card lists them."""
    in_sections = {name for names in CARD_SECTIONS.values() for name in names}
    groups = []
    for key, names in CARD_SECTIONS.items():
        options = [(name, field_label(name)) for name in names if name in CARD_PROPOSABLE]
        if key == "basic":
            options.append((CONTACT, RECORD_LABELS[CONTACT]))
        if key == "transactions":
            options.append((CREDIT_INCIDENT, RECORD_LABELS[CREDIT_INCIDENT]))
        groups.append((SECTION_LABELS[key], options))
    classification = [
        name for name in CARD_PROPOSABLE if name not in in_sections and name not in PLANNING_FIELDS
    ]
    groups.append((_("Classification"), [(name, field_label(name)) for name in classification]))
    groups.append(
        (
            CARD_FORM_LABELS["planning"],
            [(name, field_label(name)) for name in PLANNING_FIELDS if name in CARD_PROPOSABLE],
        )
    )
    return [("", _("Choose a card field")), *groups]


CONTACT_PREFIX = "contact_"
INCIDENT_PREFIX = "incident_"


class ProposalForm(forms.Form):
    """A proposed card update: a card field and its new value, or a new contact or credit
    incident with its own fields. The value inputs follow the chosen field."""

    field = forms.ChoiceField(label=_("Card field"))

    def __init__(
        self, data=None, *, customer: Customer, field: str = "", day=None, value_url="", **kwargs
    ):
        super().__init__(data, **kwargs)
        self.customer = customer
        self.fields["field"].choices = proposable_choices()
        # With script, choosing a field brings its inputs and the card's value (htmx).
        self.fields["field"].widget.attrs.update(
            {
                "hx-get": value_url,
                "hx-target": "#proposal-value",
                "hx-trigger": "change",
                "data-testid": "proposal-field",
            }
        )
        if self.is_bound:
            field = self.data.get(self.add_prefix("field"), "")
        self.chosen = field if field in PROPOSABLE else ""
        self.fields["field"].initial = self.chosen
        if self.chosen == CONTACT:
            self.fields.update(_record_formfields(Contact, CONTACT_FIELDS, CONTACT_PREFIX))
        elif self.chosen == CREDIT_INCIDENT:
            self.fields.update(
                _record_formfields(CreditIncident, CREDIT_INCIDENT_FIELDS, INCIDENT_PREFIX)
            )
            self.fields[f"{INCIDENT_PREFIX}occurred_on"].initial = day
        elif self.chosen:
            self.fields["value"] = _card_formfield(self.chosen)
        for name in self.fields:
            if name != "field":
                self.fields[name].widget.attrs["data-testid"] = f"proposal-{name}"

    def value_fields(self) -> list:
        """The bound inputs of the chosen field's value, in order."""
        return [self[name] for name in self.fields if name != "field"]

    def clean(self):
        cleaned = super().clean()
        if (
            self.chosen in CARD_PROPOSABLE
            and "value" in cleaned
            and self._card_json(cleaned["value"]) == card_value(self.customer, self.chosen)
        ):
            self.add_error("value", _("This is the card's value already."))
        return cleaned

    @staticmethod
    def _card_json(value):
        return value.code if isinstance(value, models.Model) else to_json(value)

    def proposal_value(self):
        """The value as a proposal stores it (codes, ISO dates, decimal strings; a new
        record's filled fields)."""
        if self.chosen in (CONTACT, CREDIT_INCIDENT):
            prefix = CONTACT_PREFIX if self.chosen == CONTACT else INCIDENT_PREFIX
            return {
                name[len(prefix) :]: to_json(value)
                for name, value in self.cleaned_data.items()
                if name.startswith(prefix) and value not in (None, "", False)
            }
        return self._card_json(self.cleaned_data["value"])

    def add_service_error(self, error: ValidationError) -> None:
        """A refusal of `proposal_add`, on the input it is about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        prefix = {CONTACT: CONTACT_PREFIX, CREDIT_INCIDENT: INCIDENT_PREFIX}.get(self.chosen, "")
        for field, errors in error.error_dict.items():
            if field == self.chosen and "value" in self.fields:
                self.add_error("value", errors)
            elif f"{prefix}{field}" in self.fields and prefix:
                self.add_error(f"{prefix}{field}", errors)
            elif field == "field":
                self.add_error("field", errors)
            else:
                self.add_error(None, errors)


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it shows"), choices=VisitPhoto.Kind.choices)
    file = forms.FileField(
        label=_("Photo or scan"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
