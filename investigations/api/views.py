"""The investigations API: managers commission investigations of customers, record what
the agencies delivered with the card changes it calls for (filed in the review queue at
once) and store the agencies' report files; everybody reads the investigations of the
customers in their scope. A thin layer over `investigations.services`, which hold every
rule."""

from collections import defaultdict
from collections.abc import Iterable

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from archive_crm.api.exceptions import Conflict, conflict
from archive_crm.api.permissions import ModelPermissions
from classification.api.views import ReferenceViewSet
from investigations.api.serializers import (
    AgencySerializer,
    DeliverySerializer,
    InvestigationCreateSerializer,
    InvestigationSerializer,
    ReportUploadSerializer,
)
from investigations.filters import InvestigationFilter
from investigations.models import Agency, Investigation
from investigations.selectors import investigations_list, proposals_of
from investigations.services import (
    REPORT_EXTENSIONS,
    InvestigationDelivered,
    agency_create,
    agency_delete,
    agency_update,
    investigation_commission,
    investigation_deliver,
    investigation_report_attach,
)

FORBIDDEN = OpenApiResponse(description=_("Only managers commission investigations."))
NOT_FOUND = OpenApiResponse(description=_("No such investigation among the customers in scope."))
DELIVERED = conflict(_("The delivery was recorded already (`code` delivered)."))


class AgencyViewSet(ReferenceViewSet):
    """Investigation agencies: read by everybody signed in, written by managers. An agency
    that investigations name is never deleted: deactivate it instead."""

    queryset = Agency.objects.all()
    serializer_class = AgencySerializer
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.instance = agency_create(data=serializer.validated_data, actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = agency_update(
            agency=serializer.instance, changes=serializer.validated_data, actor=self.request.user
        )

    def delete_record(self, instance):
        agency_delete(agency=instance, actor=self.request.user)


def proposals_attach(investigations: Iterable[Investigation]) -> None:
    """Give each of `investigations` its proposed card changes as `proposal_list`, in one
    query for all of them."""
    investigations = list(investigations)
    by_source = defaultdict(list)
    for proposal in proposals_of(investigations).order_by("pk"):
        by_source[proposal.source_id].append(proposal)
    for investigation in investigations:
        investigation.proposal_list = by_source[investigation.pk]


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Commissioned investigations, newest request first: managers see all, sales staff "
            "those of their own customers."
        )
    ),
    retrieve=extend_schema(responses={200: InvestigationSerializer, 404: NOT_FOUND}),
)
class InvestigationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = InvestigationSerializer
    permission_classes = [ModelPermissions]
    # Recording the delivery and storing the report change the investigation.
    action_permissions = {"deliver": ["change"], "report": ["change"]}
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = InvestigationFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return investigations_list(self.request.user).select_related("requested_by")

    def _body(self, investigation: Investigation) -> dict:
        investigation = self.get_queryset().get(pk=investigation.pk)
        proposals_attach([investigation])
        return self.get_serializer(investigation).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        proposals_attach(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._body(self.get_object()))

    @extend_schema(
        request=InvestigationCreateSerializer,
        responses={201: InvestigationSerializer, 403: FORBIDDEN},
        description=_(
            "Commission an agency to investigate a customer (managers): an active agency, an "
            "active card, a request not dated in the future."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = InvestigationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        investigation = investigation_commission(
            customer=data["customer"],
            agency=data["agency"],
            requested_on=data.get("requested_on") or timezone.localdate(),
            cost=data.get("cost", 0),
            scope=data.get("scope", ""),
            actor=request.user,
        )
        return Response(self._body(investigation), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeliverySerializer,
        responses={
            200: InvestigationSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: DELIVERED,
        },
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        """Record what the agency delivered (managers), all or nothing: the findings, and
        the card changes they call for (`proposals`), filed in the review queue at once."""
        investigation = self.get_object()
        serializer = DeliverySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        findings = dict(serializer.validated_data)
        proposals = findings.pop("proposals", ())
        try:
            investigation = investigation_deliver(
                investigation=investigation,
                findings=findings,
                proposals=proposals,
                actor=request.user,
            )
        except InvestigationDelivered as delivered:
            raise Conflict(str(delivered), code="delivered") from delivered
        return Response(self._body(investigation))

    @extend_schema(
        request={
            "multipart/form-data": OpenApiRequest(
                ReportUploadSerializer,
                encoding={"report": {"contentType": "application/pdf, image/jpeg, image/png"}},
            )
        },
        responses={200: InvestigationSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def report(self, request, pk=None):
        """Store the agency's report file (managers), replacing any earlier one until the
        investigation is reviewed: a PDF, JPEG or PNG (told by its content) within the size
        limit; anything else is refused and nothing is stored."""
        investigation = self.get_object()
        serializer = ReportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        investigation_report_attach(
            investigation=investigation,
            upload=serializer.validated_data["report"],
            actor=request.user,
        )
        return Response(self._body(investigation))

    @extend_schema(
        responses={
            **{(200, kind): OpenApiTypes.BINARY for kind in REPORT_EXTENSIONS},
            404: NOT_FOUND,
        }
    )
    @report.mapping.get
    def report_download(self, request, pk=None):
        """Download the agency's report file."""
        investigation = self.get_object()
        if not investigation.report:
            raise Http404(_("No report was stored for this investigation."))
        return FileResponse(
            investigation.report.open("rb"),
            content_type=investigation.report_content_type,
            filename=investigation.report.name.rpartition("/")[2],
        )
