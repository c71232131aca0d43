"""The review API: one queue of proposed card changes from every channel. Everyone reads the
filed proposals on the customers in their scope; managers accept or reject them through
`review.services`, which write the card through its update door."""

from contextlib import contextmanager

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archive_crm.api.exceptions import Conflict
from archive_crm.api.filters import IdFilter
from archive_crm.api.permissions import ModelPermissions
from customers.models import Customer
from customers.services import CardArchived
from review.api.serializers import (
    CHANNELS,
    ProposalAcceptSerializer,
    ProposalConflictSerializer,
    ProposalRejectSerializer,
    ProposalSerializer,
)
from review.describers import source_querysets
from review.models import Proposal
from review.services import ProposalDecided, ProposalStale, proposal_accept, proposal_reject

FORBIDDEN = OpenApiResponse(description=_("Only managers review proposed changes."))
NOT_FOUND = OpenApiResponse(description=_("No such filed proposal on the customers in scope."))


def proposals_visible_to(user):
    """The filed proposals on the customers `user` may see (the one scoping rule), with what
    a row shows: the card and the reference data its current value reads, and the sources
    (one query per kind of source)."""
    return (
        Proposal.objects.filed()
        .filter(customer__in=Customer.objects.visible_to(user))
        .select_related(
            "customer__customer_type",
            "customer__ownership",
            "customer__region",
            "proposed_by",
            "decided_by",
            "source_type",
        )
        .prefetch_related(GenericPrefetch("source", source_querysets()))
    )


class ProposalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Proposal.Status.choices)
    channel = filters.ChoiceFilter(choices=CHANNELS)
    customer = IdFilter(field_name="customer_id", help_text=_("Customer id"))
    field = filters.CharFilter(help_text=_("Card field, named as in the customers API"))


@contextmanager
def _decision_conflicts():
    """A decision the state refuses: 409 with what the reviewer needs to know."""
    try:
        yield
    except ProposalDecided as decided:
        raise Conflict(str(decided), code="decided", status=decided.proposal.status) from decided
    except ProposalStale as stale:
        raise Conflict(
            str(stale),
            code="stale",
            current_value=stale.current_value,
            base_value=stale.proposal.base_value,
            proposed_value=stale.proposal.value,
        ) from stale
    except CardArchived as archived:
        raise Conflict(str(archived), code="archived") from archived


DECISION_RESPONSES = {
    200: ProposalSerializer,
    400: OpenApiResponse(
        description=_("The card refuses the change: the body names the field and why.")
    ),
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: OpenApiResponse(
        response=ProposalConflictSerializer,
        description=_(
            "Decided already (`code` decided); the card's field changed since the proposal "
            "(`code` stale, with `current_value`: send `confirm` to accept anyway); or the "
            "card is archived (`code` archived)."
        ),
    ),
}


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Proposed card changes from every channel (visit reports, customer forms, "
            "investigations) once handed in, oldest first, with the card's current value "
            "beside the proposed one. Sales staff see those on their own customers, managers "
            "all. `?status=pending` is the review queue."
        )
    ),
    retrieve=extend_schema(responses={200: ProposalSerializer, 404: NOT_FOUND}),
)
class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProposalSerializer
    permission_classes = [ModelPermissions]
    action_permissions = {"accept": ["change"], "reject": ["change"]}
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ProposalFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return proposals_visible_to(self.request.user)

    def _body(self, proposal: Proposal) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=proposal.pk)).data

    @extend_schema(request=ProposalAcceptSerializer, responses=DECISION_RESPONSES)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the change (managers): it is written onto the card, verified, with the
        proposal's channel and source as its provenance."""
        proposal = self.get_object()
        decision = ProposalAcceptSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        with _decision_conflicts():
            proposal_accept(proposal=proposal, actor=request.user, **decision.validated_data)
        return Response(self._body(proposal))

    @extend_schema(request=ProposalRejectSerializer, responses=DECISION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the change (managers): the card stays as it is."""
        proposal = self.get_object()
        decision = ProposalRejectSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        with _decision_conflicts():
            proposal_reject(proposal=proposal, actor=request.user, **decision.validated_data)
        return Response(self._body(proposal))
