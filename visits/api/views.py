"""The visit reports API: a salesperson files the daily report (客户访问日报) and its proposed
card changes; managers read everybody's. A thin layer over `visits.services`, which hold
every rule."""

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager

from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archive_crm.api.exceptions import Conflict, conflict
from archive_crm.api.permissions import ModelPermissions
from review.models import Proposal
from visits.api.serializers import (
    VisitInputSerializer,
    VisitReportCreateSerializer,
    VisitReportSerializer,
    VisitSerializer,
)
from visits.models import Visit, VisitReport
from visits.selectors import reports_readable_by
from visits.services import ReportClosed, report_create, report_submit, visit_add, visit_delete

BAD_INPUT = OpenApiResponse(
    description=_("The input is refused: the body names each field (and visit) and why.")
)
FORBIDDEN = OpenApiResponse(description=_("Only sales staff keep visit reports."))
NOT_FOUND = OpenApiResponse(description=_("No such report among yours."))
CLOSED = conflict(_("The report was submitted and can no longer be changed (`code` submitted)."))


def _visits_in_order():
    """A report's visits in the day's order, untimed ones last on every database."""
    return Visit.objects.select_related("customer").order_by(F("time").asc(nulls_last=True), "pk")


def proposals_attach(visits: Iterable[Visit]) -> None:
    """Give each of `visits` its proposed card changes as `proposal_list`, in one query for
    all of them."""
    visits = list(visits)
    if not visits:
        return
    by_visit = defaultdict(list)
    proposals = Proposal.objects.filter(
        source_type__app_label="visits",
        source_type__model="visit",
        source_id__in=[visit.pk for visit in visits],
    ).order_by("pk")
    for proposal in proposals:
        by_visit[proposal.source_id].append(proposal)
    for visit in visits:
        visit.proposal_list = by_visit[visit.pk]


def _visits_of(reports: Iterable[VisitReport]) -> list[Visit]:
    return [visit for report in reports for visit in report.visits.all()]


class VisitReportFilter(filters.FilterSet):
    date_from = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text=_("First day, YYYY-MM-DD, inclusive")
    )
    date_to = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text=_("Last day, YYYY-MM-DD, inclusive")
    )
    status = filters.ChoiceFilter(choices=VisitReport.Status.choices)
    salesperson = filters.CharFilter(
        field_name="salesperson__username", help_text=_("Username of the salesperson")
    )


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Visit reports, newest day first: sales staff their own, managers everybody's."
        )
    ),
    retrieve=extend_schema(
        responses={200: VisitReportSerializer, 404: NOT_FOUND},
        description=_("One report with its visits and their proposed card changes."),
    ),
)
class VisitReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VisitReportSerializer
    permission_classes = [ModelPermissions]
    # Submitting, adding and removing visits change the author's draft.
    action_permissions = {
        "submit": ["change"],
        "visit_add": ["change"],
        "visit_remove": ["change"],
    }
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = VisitReportFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return (
            reports_readable_by(self.request.user)
            .select_related("salesperson")
            .prefetch_related(Prefetch("visits", queryset=_visits_in_order()))
        )

    def _body(self, report: VisitReport) -> dict:
        """The report as it is now, with its visits and proposals."""
        report = self.get_queryset().get(pk=report.pk)
        proposals_attach(_visits_of([report]))
        return self.get_serializer(report).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        proposals_attach(_visits_of(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._body(self.get_object()))

    @extend_schema(
        request=VisitReportCreateSerializer,
        responses={201: VisitReportSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        description=_(
            "File the day's report as a draft, with its visits and their proposed card "
            "changes, all or nothing. Each visit's customer must be one of yours; a second "
            "report for the same day is refused."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = VisitReportCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        report = report_create(
            salesperson=request.user,
            day=serializer.validated_data["date"],
            visits=serializer.validated_data.get("visits", ()),
        )
        return Response(self._body(report), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: VisitReportSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit the draft: its proposed changes go to the managers' review queue, and the
        report is late when submitted after its deadline."""
        with _closed_conflict():
            report = report_submit(report=self.get_object(), actor=request.user)
        return Response(self._body(report))

    @extend_schema(
        request=VisitInputSerializer,
        responses={
            201: VisitSerializer,
            400: BAD_INPUT,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CLOSED,
        },
    )
    @action(detail=True, methods=["post"], url_path="visits")
    def visit_add(self, request, pk=None):
        """Add a visit, with its proposed card changes, to the draft."""
        report = self.get_object()
        serializer = VisitInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        proposals = data.pop("proposals", ())
        with _closed_conflict():
            visit = visit_add(report=report, data=data, proposals=proposals, actor=request.user)
        visit = Visit.objects.select_related("customer").get(pk=visit.pk)
        proposals_attach([visit])
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND, 409: CLOSED})
    @action(detail=True, methods=["delete"], url_path="visits/<int:visit_id>")
    def visit_remove(self, request, pk=None, visit_id=None):
        """Remove a visit, with its proposed changes and photos, from the draft."""
        visit = get_object_or_404(self.get_object().visits.all(), pk=visit_id)
        with _closed_conflict():
            visit_delete(visit=visit, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@contextmanager
def _closed_conflict():
    """A submitted report is no longer its author's to change: 409."""
    try:
        yield
    except ReportClosed as closed:
        raise Conflict(str(closed), code="submitted") from closed
