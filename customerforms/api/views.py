"""The customer form links API: a manager or a customer's salesperson sends the customer a
one-time link to its data form, follows its state, revokes it; a manager reopens a used or
expired one. A thin layer over `customerforms.services`, which hold every rule."""

from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archive_crm.api.exceptions import Conflict, conflict
from archive_crm.api.filters import IdFilter
from archive_crm.api.permissions import ModelPermissions
from customerforms.api.serializers import (
    FormLinkCreatedSerializer,
    FormLinkCreateSerializer,
    FormLinkReopenSerializer,
    FormLinkSerializer,
)
from customerforms.models import FormLink
from customerforms.selectors import links_visible_to
from customerforms.services import LinkStateConflict, link_create, link_reopen, link_revoke

NOT_FOUND = OpenApiResponse(description=_("No such link on the customers in your scope."))
STATE = conflict(_("The link's state does not allow it (`code` state, with the `state`)."))


class FormLinkFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", help_text=_("Customer id"))
    state = filters.ChoiceFilter(
        choices=FormLink.State.choices, method="filter_state", help_text=_("The state now")
    )

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)


@contextmanager
def _state_conflict(link: FormLink):
    try:
        yield
    except LinkStateConflict as refused:
        raise Conflict(str(refused), code="state", state=link.state) from refused


@extend_schema_view(
    list=extend_schema(
        description=_(
            "The data form links of the customers in your scope, newest first: sales staff "
            "those of their own customers, managers all. Their addresses are not stored and "
            "not listed."
        )
    ),
    retrieve=extend_schema(responses={200: FormLinkSerializer, 404: NOT_FOUND}),
)
class FormLinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FormLinkSerializer
    permission_classes = [ModelPermissions]
    action_permissions = {"revoke": ["change"], "reopen": ["change"]}
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = FormLinkFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return links_visible_to(self.request.user)

    def _body(self, link: FormLink) -> dict:
        return FormLinkSerializer(self.get_queryset().get(pk=link.pk)).data

    @extend_schema(
        request=FormLinkCreateSerializer,
        responses={201: FormLinkCreatedSerializer},
        description=_(
            "Send a customer in your scope a one-time link to its data form (客户资料表): "
            "`url` is the form's address, given only in this answer (its token is random and "
            "only its hash is stored). Without an account, the customer's staff fill in the "
            "company's basic data and characteristics; every changed field becomes a proposal "
            "with channel customer_form in the review queue. With `email`, the address is "
            "e-mailed too (`emailed_at`). A customer outside your scope is refused (400)."
        ),
    )
    def create(self, request, *args, **kwargs):
        given = FormLinkCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        issued = link_create(
            customer=data["customer"],
            actor=request.user,
            expires_in_days=data.get("expires_in_days"),
            note=data.get("note", ""),
            shared_fields=data.get("shared_fields", ()),
            email=data.get("email", ""),
            url_of=request.build_absolute_uri,
        )
        body = {**self._body(issued.link), "url": issued.url}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: FormLinkSerializer, 404: NOT_FOUND, 409: STATE},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Withdraw a link that was not used: it no longer opens the form."""
        link = self.get_object()
        with _state_conflict(link):
            link_revoke(link=link, actor=request.user)
        return Response(self._body(link))

    @extend_schema(
        request=FormLinkReopenSerializer,
        responses={
            200: FormLinkSerializer,
            404: NOT_FOUND,
            409: STATE,
        },
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Let a submitted or expired link open the form again, until a new expiry
        (managers): the customer uses the address they were sent."""
        link = self.get_object()
        given = FormLinkReopenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with _state_conflict(link):
            link_reopen(
                link=link,
                actor=request.user,
                expires_in_days=given.validated_data.get("expires_in_days"),
            )
        return Response(self._body(link))
