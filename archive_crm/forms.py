"""Form pieces shared by the pages of every app: the date picker, a period's day, and the way
a service's refusal lands on the form the user filled in."""

import datetime

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst


class DateInput(forms.DateInput):
    """The browser's date picker, which sends ISO dates whatever the page language. A date
    the form refused as typed (2026-02-30) comes back as text, so that the person sees and
    corrects what they typed: a date picker cannot show a date that does not exist."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, str) and value and not _is_iso_date(value):
            context["widget"]["type"] = "text"
            context["widget"]["attrs"].setdefault("placeholder", "YYYY-MM-DD")
        return context


# The days a period filter may name: its previous period, its weeks and months and their
# deadlines stay inside the calendar (a day near year 1 or 9999 would run off its ends).
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(9000, 12, 31)


class DayField(forms.DateField):
    """A day of a period filter, picked with the date picker, between EARLIEST_DAY and
    LATEST_DAY."""

    widget = DateInput
    default_validators = [MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)]


def _is_iso_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to `form`: to its field when the form has the field,
    otherwise to the whole form, named by the field's label."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    model = getattr(getattr(form, "_meta", None), "model", None)  # a plain form has none
    for field, errors in error.error_dict.items():
        if field in form.fields or field == NON_FIELD_ERRORS:
            form.add_error(field, errors)
            continue
        try:
            label = capfirst(model._meta.get_field(field).verbose_name) if model else field
        except FieldDoesNotExist:
            label = field
        form.add_error(
            None,
            [
                ValidationError("%(field)s: %(message)s", params={"field": label, "message": m})
                for e in errors
                for m in e.messages
            ],
        )
