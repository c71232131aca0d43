"""Forms of the customer pages. They validate input and lay it out; the writes themselves are
done by the services (`customer_create`, `card_update`, `contact_save`, ...)."""

from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager, person_name, salespeople
from archive_crm.forms import DateInput
from classification.models import Route
from customers.models import (
    CARD_FIELDS,
    CARD_SECTIONS,
    CLASSIFICATION_FIELDS,
    PLANNING_FIELDS,
    SECTION_LABELS,
    Contact,
    CreditIncident,
    Customer,
)

DATE_FIELDS = ("founded_on", "trading_since", "planned_first_deal_on")


def _formfield(model_field, **kwargs):
    # Django 6 will assume https for a website typed without a scheme; do so already.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


@dataclass(frozen=True)
class Fieldset:
    key: str
    label: str
    rows: list  # of (bound field, the saved value it conflicts with or None)


# What the card's form shows, group by group (one fieldset each), in order. The form's fields
# are built from this layout, so the page renders every field the form saves: a field that is
# not shown is not in the form, and a save never erases it.
CARD_FORM_LAYOUT: dict[str, tuple[str, ...]] = {
    "identity": ("code", *CLASSIFICATION_FIELDS),
    "planning": PLANNING_FIELDS,
    **CARD_SECTIONS,
}
CARD_FORM_LABELS = {
    "identity": _("Identity and classification"),
    "planning": _("Planning and location"),
    **SECTION_LABELS,
}


class VersionedForm(forms.ModelForm):
    """A model form for a record with optimistic locking: editing carries the version the
    user loaded (hidden), which the service checks; a new record has none."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
        else:
            del self.fields["version"]

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class CustomerForm(VersionedForm):
    """The card's fields grouped as `CARD_FORM_LAYOUT` shows them. Salespeople do not see
    the salesperson field (a card they create is theirs), cannot change an existing card's
    code, and choose among their own routes; managers may assign any member of the sales
    group and any route (the card's service holds the same rules for every channel)."""

    class Meta:
        model = Customer
        fields = tuple(name for names in CARD_FORM_LAYOUT.values() for name in names)
        formfield_callback = _formfield
        widgets = {
            **{field: DateInput() for field in DATE_FIELDS},
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts: dict[str, str] = {}
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
        route = self.fields["route"]
        route.queryset = Route.objects.select_related("region").order_by("region__code", "code")
        if is_manager(user):
            salesperson = self.fields["salesperson"]
            # The card's salesperson stays a choice, so the page saves as it was rendered.
            salesperson.queryset = (
                salespeople() | get_user_model().objects.filter(pk=self.instance.salesperson_id)
            ).distinct()
            salesperson.label_from_instance = person_name
            return
        del self.fields["salesperson"]
        if self.instance.pk:
            del self.fields["code"]
        # The route the card is on stays a choice, so the page saves as it was rendered.
        route.queryset = route.queryset.filter(Q(salesperson=user) | Q(pk=self.instance.route_id))

    @property
    def card_fields(self) -> list[str]:
        """The card fields this form edits (what goes to the service)."""
        return [name for name in self.fields if name in CARD_FIELDS]

    def card_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.card_fields}

    def fieldsets(self) -> list[Fieldset]:
        return [
            Fieldset(
                key,
                CARD_FORM_LABELS[key],
                [(self[name], self.conflicts.get(name)) for name in names if name in self.fields],
            )
            for key, names in CARD_FORM_LAYOUT.items()
        ]


class CustomerCreateForm(CustomerForm):
    save_anyway = forms.BooleanField(
        label=_("Save anyway: this is not one of the customers listed above"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new card typed without a code is numbered by `customer_create`.
        code = self.fields["code"]
        code.required = False
        code.help_text = _("Leave it empty to have the card numbered automatically.")


class ContactForm(VersionedForm):
    class Meta:
        model = Contact
        fields = ("name", "role", "phone", "mobile", "email", "notes", "is_primary")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class CreditIncidentForm(VersionedForm):
    class Meta:
        model = CreditIncident
        fields = ("occurred_on", "kind", "amount", "description", "resolved_on", "resolution")
        widgets = {
            "occurred_on": DateInput(),
            "resolved_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
        }
