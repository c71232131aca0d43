"""Form pieces shared by the pages of every app: the date picker, and the way a service's
refusal lands on the form the user filled in."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.utils.text import capfirst


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # The browser's date picker sends ISO dates whatever the page language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to `form`: to its field when the form has the field,
    otherwise to the whole form, named by the field's label."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    model = form._meta.model
    for field, errors in error.error_dict.items():
        if field in form.fields or field == NON_FIELD_ERRORS:
            form.add_error(field, errors)
            continue
        try:
            label = capfirst(model._meta.get_field(field).verbose_name)
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
