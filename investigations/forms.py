"""Forms of the investigation pages. They validate input and lay it out; the writes are the
services' (`investigation_commission`, `investigation_deliver`,
`investigation_report_attach`, `agency_create`, `agency_update`)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from archive_crm.forms import DateInput
from customers.models import CreditIncident, Customer
from investigations.models import Agency, Investigation
from investigations.selectors import active_agencies
from investigations.services import AGENCY_FIELDS, FINDINGS_FIELDS, REPORT_EXTENSIONS
from review.services import CREDIT_INCIDENT, CREDIT_INCIDENT_FIELDS, card_value, to_json

REPORT_ACCEPT = ",".join(
    [*REPORT_EXTENSIONS, *(ext for exts in REPORT_EXTENSIONS.values() for ext in exts)]
)
INCIDENT_PREFIX = "incident_"


def _report_field(**kwargs) -> forms.FileField:
    return forms.FileField(
        label=_("Agency's report (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": REPORT_ACCEPT}),
        **kwargs,
    )


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = AGENCY_FIELDS


class CommissionForm(forms.ModelForm):
    """A new investigation: the customer (by its code, or chosen already on the card or the
    risk view), the agency, the day it was requested, the agreed cost and what to find out."""

    customer = forms.CharField(
        label=_("Customer code"),
        max_length=32,
        help_text=_("The code on the customer's card."),
    )

    class Meta:
        model = Investigation
        fields = ("agency", "requested_on", "cost", "scope")
        widgets = {
            "requested_on": DateInput(),
            "cost": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": 0}),
            "scope": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ("customer", "agency", "requested_on", "cost", "scope")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_agencies()
        self.customers = Customer.objects.visible_to(user).active()

    def clean_customer(self):
        code = self.cleaned_data["customer"].strip()
        customer = (
            self.customers.filter(code=code).first()
            or self.customers.filter(code__iexact=code).order_by("code").first()
        )
        if customer is None:
            raise ValidationError(
                _("No active customer of yours has the code “%(code)s”.") % {"code": code},
                code="invalid_choice",
            )
        return customer


class DeliveryForm(forms.ModelForm):
    """What the agency delivered: the day, the final cost, the findings, the credit rating,
    the risk level and the recommended credit limit, the report file; and which card
    changes to propose from them: the rating and the limit found (ticked at first), and a
    past credit problem as a new credit incident."""

    report = _report_field(required=False)
    propose_credit_rating = forms.BooleanField(
        label=_("Propose the credit rating found for the card"), required=False, initial=True
    )
    propose_credit_limit = forms.BooleanField(
        label=_("Propose the recommended credit limit for the card"),
        required=False,
        initial=True,
    )
    propose_incident = forms.BooleanField(
        label=_("Propose a past credit problem the agency found, as a new credit incident"),
        required=False,
    )

    class Meta:
        model = Investigation
        fields = FINDINGS_FIELDS
        widgets = {
            "delivered_on": DateInput(),
            "cost": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": 0}),
            "findings": forms.Textarea(attrs={"rows": 5}),
            "recommended_credit_limit": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "0.01", "min": 0}
            ),
        }

    def __init__(self, *args, instance: Investigation, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        self.customer = instance.customer
        for name in ("delivered_on", "risk_level"):
            self.fields[name].required = True
        for name in CREDIT_INCIDENT_FIELDS:
            model_field = CreditIncident._meta.get_field(name)
            widget = {"occurred_on": DateInput(), "description": forms.Textarea(attrs={"rows": 2})}
            field = model_field.formfield(widget=widget.get(name))
            field.required = False  # required when a credit incident is proposed (`clean`)
            self.fields[f"{INCIDENT_PREFIX}{name}"] = field

    def incident_fields(self) -> list:
        return [self[f"{INCIDENT_PREFIX}{name}"] for name in CREDIT_INCIDENT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        for field, proposed in (
            ("credit_rating", "propose_credit_rating"),
            ("credit_limit", "propose_credit_limit"),
        ):
            finding = "credit_rating" if field == "credit_rating" else "recommended_credit_limit"
            if not cleaned.get(proposed) or finding in self.errors:
                continue
            value = cleaned.get(finding)
            if value in (None, ""):
                self.add_error(finding, _("Enter what the agency found, or untick its proposal."))
            elif to_json(value) == card_value(self.customer, field):
                self.add_error(
                    proposed, _("The card has this value already: untick this proposal.")
                )
        if cleaned.get("propose_incident"):
            for name in ("occurred_on", "kind"):
                if cleaned.get(f"{INCIDENT_PREFIX}{name}") in (None, ""):
                    self.add_error(
                        f"{INCIDENT_PREFIX}{name}",
                        _("Required for the credit incident you propose."),
                    )
        return cleaned

    def findings_data(self) -> dict:
        """The findings, as `investigation_deliver` takes them."""
        return {name: self.cleaned_data[name] for name in FINDINGS_FIELDS}

    def proposals(self) -> list[dict]:
        """The ticked proposals, as `investigation_deliver` takes them."""
        data = self.cleaned_data
        proposals = []
        if data["propose_credit_rating"]:
            proposals.append({"field": "credit_rating", "value": data["credit_rating"]})
        if data["propose_credit_limit"]:
            proposals.append(
                {"field": "credit_limit", "value": to_json(data["recommended_credit_limit"])}
            )
        if data["propose_incident"]:
            incident = {
                name: to_json(data[f"{INCIDENT_PREFIX}{name}"])
                for name in CREDIT_INCIDENT_FIELDS
                if data[f"{INCIDENT_PREFIX}{name}"] not in (None, "")
            }
            proposals.append({"field": CREDIT_INCIDENT, "value": incident})
        return proposals


class ReportForm(forms.Form):
    report = _report_field()
