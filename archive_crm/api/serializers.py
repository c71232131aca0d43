"""The API's serializer fields read JSON as its schema says, no more: a text field takes a
string, a yes/no field a boolean, an amount a decimal string. DRF's own fields also turn a
number into text, 0 and 1 into booleans and a JSON number into an amount (through a binary
float, which loses cents); the schema promises none of that, so the API refuses it.

`ModelSerializer` maps model fields to these; serializers of the API derive from it."""

import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import append_meta
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from archive_crm.api.fields import whole_numbers_below


class StrictCharField(serializers.CharField):
    """Text: a JSON string, never a number turned into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """Text sent that may not be blank has a character other than white space: the field trims
    the ends, and "  " would be blank. (A field with a pattern of its own says more.)"""

    target_class = StrictCharField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        patterned = any(isinstance(v, RegexValidator) for v in field.validators)
        blank = field.allow_blank or not field.trim_whitespace
        if direction == "request" and not (blank or patterned):
            schema["pattern"] = r"\S"
        return schema


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# A web address with a host name: what Django's URL validator takes, written so a schema
# reader (and a fuzzer) can tell; the field refuses anything else.
URL_PATTERN = (
    r"^https?://([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}"
    r"(:[0-9]{1,5})?(/[^\s]*)?$"
)


@extend_schema_field({"type": "string", "format": "uri", "pattern": URL_PATTERN})
class StrictURLField(serializers.URLField):
    """An http(s) address, e.g. https://www.example.com/ (empty where the field allows)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or (data and not re.match(URL_PATTERN, data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false: a JSON boolean (from a form, the words true and false)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)


class SlugRelatedField(serializers.SlugRelatedField):
    """A record named by its code (or a person by username): a string, which must name one;
    null where the field allows it. An empty string is refused, not read as null."""

    def run_validation(self, data=serializers.empty):
        if (
            data is not serializers.empty
            and data is not None
            and not (isinstance(data, str) and data)
        ):
            self.fail("invalid")
        return super().run_validation(data)


class DecimalStringField(serializers.DecimalField):
    """An amount (or a coordinate) as a decimal string, e.g. "1234.50": within the field's
    digits, places and bounds, which its schema's pattern says exactly. A JSON number is
    refused: it is a binary float, which cannot hold every amount to the cent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = self.build_pattern()

    def _bound(self, validator_class) -> list[Decimal]:
        return [
            Decimal(validator.limit_value)
            for validator in self.validators
            if isinstance(validator, validator_class)
        ]

    def build_pattern(self) -> str:
        places = f"(\\.[0-9]{{1,{self.decimal_places}}})?" if self.decimal_places else ""
        whole = self.max_whole_digits or 0
        lows = self._bound(MinValueValidator) + (
            [Decimal(self.min_value)] if self.min_value is not None else []
        )
        highs = self._bound(MaxValueValidator) + (
            [Decimal(self.max_value)] if self.max_value is not None else []
        )
        sign = "" if lows and max(lows) >= 0 else "-?"
        # A bound such as ±90 (a whole number within the digits): up to it, or it exactly.
        bound = min([*highs, *(-low for low in lows if low < 0)], default=None)
        if bound is not None and bound == bound.to_integral_value() and 0 < bound < 10**whole:
            below = whole_numbers_below(int(bound))
            zeros = f"(\\.0{{1,{self.decimal_places}}})?" if self.decimal_places else ""
            return f"^{sign}(({below}){places}|{int(bound)}{zeros})$"
        digits = f"[0-9]{{1,{whole}}}" if whole else "0"
        return f"^{sign}{digits}{places}$"

    def validate_empty_values(self, data):
        # DRF's DecimalField reads "" as null; here only null is.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.match(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)


class DecimalStringFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of a `DecimalStringField`: a string with the pattern it accepts."""

    target_class = DecimalStringField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        meta = auto_schema._get_serializer_field_meta(field, direction)
        schema = {"type": "string", "format": "decimal", "pattern": field.pattern}
        return append_meta(schema, meta)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
        models.DecimalField: DecimalStringField,
    }
