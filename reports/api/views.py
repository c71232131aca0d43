"""The report API: each analysis's table as `{"rows": [...], "total": {...}, "period"}`,
filtered by the same form as its page; a bad parameter is a 400 naming it and why."""

from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
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

from reports.analysis import Analysis
from reports.base import as_api

PARAMETER_TYPES = {
    forms.DateField: OpenApiTypes.DATE,
    forms.IntegerField: OpenApiTypes.INT,
    forms.BooleanField: OpenApiTypes.BOOL,
    forms.DecimalField: OpenApiTypes.NUMBER,
}

BAD_PARAMETER = OpenApiResponse(description=_("A parameter is refused: the body names it and why."))


def query_parameters(form_class) -> list[OpenApiParameter]:
    """The analysis's filters as documented query parameters."""
    parameters = []
    for name, field in form_class.base_fields.items():
        choices = getattr(field, "choices", None)
        parameters.append(
            OpenApiParameter(
                name,
                PARAMETER_TYPES.get(type(field), OpenApiTypes.STR),
                OpenApiParameter.QUERY,
                description=str(field.help_text or field.label),
                enum=[value for value, _label in choices if value] if choices else None,
            )
        )
    return parameters


class ReportPeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class AnalysisView(APIView):
    analysis: Analysis

    def get(self, request):
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
        responses={
            200: body,
            400: OpenApiResponse(
                description=_("A parameter is refused: the body names it and why.")
            ),
        },
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
