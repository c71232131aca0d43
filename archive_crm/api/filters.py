"""Filters the API's lists share."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.widgets import BooleanWidget as DefaultBooleanWidget
from drf_spectacular.utils import extend_schema_field

# The largest id the database stores (a 64-bit integer, on SQLite and PostgreSQL alike).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A record's id: a whole number from 1. A fraction, a sign or a number too large for
    the database is refused (400, naming the parameter) instead of reaching the query."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class BooleanWidget(DefaultBooleanWidget):
    """Reads true or false; anything else is handed on as it was sent, to be refused (the
    default widget reads it as "either")."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value or None


class StrictBooleanField(forms.NullBooleanField):
    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(filters.BooleanFilter):
    """A yes/no filter: true or false (empty or left out: either); anything else is refused
    with 400 instead of being read as "either"."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = BooleanWidget
        super().__init__(*args, **kwargs)


class FilterSet(filters.FilterSet):
    """The API's filter sets: yes/no fields filter with `BooleanFilter`."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter for the views that list their filter fields (`filterset_fields`)."""

    filterset_base = FilterSet
