"""The customers API: a thin layer over `customers.selectors` (who sees what) and
`customers.services` (every write, with history and channel "api")."""

from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from archive_crm.api.exceptions import Conflict, conflict
from archive_crm.api.filters import IdFilter
from archive_crm.api.permissions import ModelPermissions
from customers.api.serializers import (
    ContactSerializer,
    CreditIncidentSerializer,
    CustomerCreatedSerializer,
    CustomerSerializer,
    DuplicateSerializer,
    TimelineEntrySerializer,
    TimelineQuerySerializer,
    TimelineSerializer,
)
from customers.filters import CustomerFilter
from customers.models import Channel, Contact, CreditIncident, Customer
from customers.selectors import (
    customer_find_duplicates,
    customer_get_for_user,
    customer_timeline,
    customers_visible_to,
)
from customers.services import (
    CardArchived,
    CardConflict,
    RecordConflict,
    card_update,
    contact_delete,
    contact_save,
    credit_incident_delete,
    credit_incident_save,
    customer_archive,
    customer_create,
    customer_restore,
)

CONFLICT = conflict(
    _(
        "The card changed since the version sent (`code` stale_version, with "
        "`current_version`), or it is archived (`code` archived)."
    )
)


@extend_schema_view(
    list=extend_schema(
        description=_(
            "The customers the user may see: sales staff their own, managers all. Archived "
            "cards are included unless `status` filters them out. Filters take codes (the "
            "salesperson by username)."
        )
    ),
    retrieve=extend_schema(description=_("One card; outside the user's scope it is a 404.")),
    create=extend_schema(
        responses={201: CustomerCreatedSerializer},
        description=_(
            "Create a card. The answer lists possible duplicates (same name, credit code or "
            "phone) as a warning."
        ),
    ),
    update=extend_schema(responses={200: CustomerSerializer, 409: CONFLICT}),
    partial_update=extend_schema(responses={200: CustomerSerializer, 409: CONFLICT}),
    destroy=extend_schema(
        responses={200: CustomerSerializer},
        description=_("Archive the card (cards are never deleted); it stays readable by id."),
    ),
)
class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    permission_classes = [ModelPermissions]
    # Archiving and restoring change the card; nothing deletes one.
    action_permissions = {"destroy": ["change"], "restore": ["change"]}
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CustomerFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return customers_visible_to(self.request.user)

    def _fresh(self, customer: Customer) -> Customer:
        return customer_get_for_user(self.request.user, customer.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.card_data()
        customer = customer_create(data=data, actor=request.user, channel=Channel.API)
        duplicates = customer_find_duplicates(
            user=request.user,
            name=customer.name,
            credit_code=customer.credit_code,
            phone=customer.phone,
            exclude_pk=customer.pk,
        )
        body = {
            **self.get_serializer(customer).data,
            "duplicates": DuplicateSerializer(duplicates, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            customer = card_update(
                customer=customer,
                changes=serializer.card_data(),
                actor=request.user,
                channel=Channel.API,
                expected_version=serializer.validated_data["version"],
            )
        except CardConflict as conflict:
            raise Conflict(
                str(conflict),
                code="stale_version",
                current_version=conflict.customer.version,
                sent_version=conflict.expected_version,
            ) from conflict
        except CardArchived as archived:
            raise Conflict(str(archived), code="archived") from archived
        return Response(self.get_serializer(self._fresh(customer)).data)

    def destroy(self, request, *args, **kwargs):
        customer = customer_archive(
            customer=self.get_object(), actor=request.user, channel=Channel.API
        )
        return Response(self.get_serializer(self._fresh(customer)).data)

    @extend_schema(request=None, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring an archived card back to the active archive."""
        customer = customer_restore(
            customer=self.get_object(), actor=request.user, channel=Channel.API
        )
        return Response(self.get_serializer(self._fresh(customer)).data)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimelineSerializer})
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        """The card's timeline, newest first: when, who, through which channel, and each
        changed field from old to new value."""
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = customer_timeline(self.get_object(), limit=query.validated_data["limit"])
        return Response({"results": TimelineEntrySerializer(entries, many=True).data})


class CustomerPartFilter(filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer id"))


PART_CONFLICT = conflict(
    _(
        "The card is archived, and its records with it (`code` archived); or the record changed "
        "since the version sent (`code` stale_version, with `current_version`)."
    )
)


def with_part_conflicts(serializer_class):
    """Documents the 409 of every write of a card's records (see `_card_part_conflicts`)."""
    return extend_schema_view(
        create=extend_schema(responses={201: serializer_class, 409: PART_CONFLICT}),
        update=extend_schema(responses={200: serializer_class, 409: PART_CONFLICT}),
        partial_update=extend_schema(responses={200: serializer_class, 409: PART_CONFLICT}),
        destroy=extend_schema(responses={204: None, 409: PART_CONFLICT}),
    )


class CustomerPartViewSet(viewsets.ModelViewSet):
    """Records that belong to a card: scoped through their customer, saved by the services
    with channel "api"."""

    permission_classes = [ModelPermissions]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CustomerPartFilter
    lookup_value_converter = "int"
    model: type[Contact] | type[CreditIncident]

    def get_queryset(self):
        return self.model.objects.filter(
            customer__in=Customer.objects.visible_to(self.request.user)
        )

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "version"}
        with _card_part_conflicts():
            serializer.instance = self.save_record(self.model(**data), expected_version=None)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        expected_version = data.pop("version")
        for field, value in data.items():
            setattr(serializer.instance, field, value)
        with _card_part_conflicts():
            serializer.instance = self.save_record(
                serializer.instance, expected_version=expected_version
            )

    def perform_destroy(self, instance):
        with _card_part_conflicts():
            self.delete_record(instance)

    def save_record(self, instance, *, expected_version):
        raise NotImplementedError

    def delete_record(self, instance):
        raise NotImplementedError


@contextmanager
def _card_part_conflicts():
    """An archived card's contacts and incidents are read-only, and a stale version is
    refused: 409, like the card."""
    try:
        yield
    except CardArchived as archived:
        raise Conflict(str(archived), code="archived") from archived
    except RecordConflict as conflict:
        raise Conflict(
            str(conflict),
            code="stale_version",
            current_version=conflict.current.version if conflict.current else None,
            sent_version=conflict.expected_version,
        ) from conflict


@with_part_conflicts(ContactSerializer)
@extend_schema_view(list=extend_schema(description=_("Contacts of the customers in scope.")))
class ContactViewSet(CustomerPartViewSet):
    serializer_class = ContactSerializer
    model = Contact

    def save_record(self, instance, *, expected_version):
        return contact_save(
            contact=instance,
            actor=self.request.user,
            channel=Channel.API,
            expected_version=expected_version,
        )

    def delete_record(self, instance):
        contact_delete(contact=instance, actor=self.request.user, channel=Channel.API)


@with_part_conflicts(CreditIncidentSerializer)
@extend_schema_view(
    list=extend_schema(description=_("Credit incidents of the customers in scope."))
)
class CreditIncidentViewSet(CustomerPartViewSet):
    serializer_class = CreditIncidentSerializer
    model = CreditIncident

    def save_record(self, instance, *, expected_version):
        return credit_incident_save(
            incident=instance,
            actor=self.request.user,
            channel=Channel.API,
            expected_version=expected_version,
        )

    def delete_record(self, instance):
        credit_incident_delete(incident=instance, actor=self.request.user, channel=Channel.API)
