"""The report API: each analysis's table as `{"rows": [...], "total": {...}, "period"}`,
filtered by the same form as its page; a bad parameter is a 400 naming it and why."""

import re

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from archive_crm.api.fields import date_range_pattern
from archive_crm.db import analysis_reads
from reports.analysis import Analysis
from reports.base import as_api

BAD_PARAMETER = OpenApiResponse(description=_("A parameter is refused: the body names it and why."))

ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
BOOLEANS = ("true", "false")


def _decimal_pattern(field: forms.DecimalField) -> str:
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    whole = field.max_digits - field.decimal_places
    return rf"^{sign}[0-9]{{1,{whole}}}(\.[0-9]{{1,{field.decimal_places}}})?$"


def parameter_schema(field: forms.Field) -> dict:
    """What the form field reads from a query parameter, as a JSON schema."""
    if isinstance(field, forms.ChoiceField):
        values = [value for value, _label in field.choices if value != ""]
        typed = isinstance(field, forms.TypedChoiceField) and field.coerce is int
        return {"type": "integer" if typed else "string", "enum": values}
    if isinstance(field, forms.DateField):
        schema = {"type": "string", "format": "date"}
        first = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
        last = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
        pattern = date_range_pattern(max(first), min(last)) if first and last else None
        return {**schema, "pattern": pattern} if pattern else schema
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.DecimalField):
        return {"type": "string", "format": "decimal", "pattern": _decimal_pattern(field)}
    if isinstance(field, forms.IntegerField):
        bounds = {"minimum": field.min_value, "maximum": field.max_value}
        return {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def query_parameters(form_class) -> list[OpenApiParameter]:
    """The analysis's filters as documented query parameters."""
    return [
        OpenApiParameter(
            name,
            parameter_schema(field),
            OpenApiParameter.QUERY,
            required=field.required,
            description=field.help_text or field.label,
        )
        for name, field in form_class.base_fields.items()
    ]


def parameters_refused(form_class, params) -> dict[str, list[str]]:
    """The parameters the schema refuses though the page's form would read them: a date not
    written YYYY-MM-DD (the form also takes local formats), a yes/no other than true or
    false, a number for the cut-offs in another notation."""
    refused = {}
    for name, field in form_class.base_fields.items():
        value = params.get(name, "")
        if not value:
            continue
        if isinstance(field, forms.DateField) and not re.match(ISO_DATE, value):
            refused[name] = [str(_("Enter a date as YYYY-MM-DD."))]
        elif isinstance(field, forms.BooleanField) and value not in BOOLEANS:
            refused[name] = [str(_("Give true or false."))]
        elif isinstance(field, forms.DecimalField) and not re.match(_decimal_pattern(field), value):
            refused[name] = [str(_("Enter a number, e.g. 80 or 92.5."))]
    return refused


class ReportPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class AnalysisView(APIView):
    analysis: Analysis

    @analysis_reads()
    def get(self, request):
        refused = parameters_refused(self.analysis.form_class, request.query_params)
        if refused:
            raise ValidationError(refused)
        form = self.analysis.form_class(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(
                {field: [str(error) for error in errors] for field, errors in form.errors.items()}
            )
        return Response(as_api(self.analysis.run(request.user, form)))


def analysis_api_view(analysis: Analysis):
    """The API view of `analysis`, documented with its parameters and row shape."""
    name = analysis.slug.title().replace("-", "")
    body = inline_serializer(
        name=f"{name}Report",
        fields={
            "rows": analysis.row_serializer(many=True),
            "total": serializers.DictField(help_text=_("The same measures, summed")),
            "period": ReportPeriodSerializer(),
            **analysis.extra_fields,
        },
    )
    schema = extend_schema(
        summary=str(analysis.title),
        description=str(analysis.description),
        parameters=query_parameters(analysis.form_class),
        responses={200: body, 400: BAD_PARAMETER},
        tags=["reports"],
        operation_id="reports_" + analysis.slug.replace("-", "_"),
    )

    class View(AnalysisView):
        # A method of its own: the schema is attached to the function.
        @schema
        def get(self, request):
            return super().get(request)

    View.analysis = analysis
    View.__name__ = View.__qualname__ = f"{name}View"
    return View.as_view()
