import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from customers.models import Channel
from review.models import Proposal
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from visits.models import Visit, VisitReport

# A real 1×1 PNG: the pages show it as a thumbnail.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xdf\xc0\x00\x00\x04\x01\x01\x80\xc5*\x18]"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png_upload(name: str = "storefront.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


class VisitReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitReport

    salesperson = factory.SubFactory(UserFactory, role="sales")
    date = factory.LazyFunction(timezone.localdate)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    report = factory.SubFactory(VisitReportFactory)
    customer = factory.LazyAttribute(
        lambda visit: CustomerFactory(salesperson=visit.report.salesperson)
    )
    time = datetime.time(10, 0)
    kind = Visit.Kind.VISIT
    purpose = "例行拜访"
    summary = "店主说下月要扩店"


class ProposalFactory(factory.django.DjangoModelFactory):
    """A filed proposal of a visit (pending unless told otherwise)."""

    class Meta:
        model = Proposal

    source = factory.SubFactory(VisitFactory)
    customer = factory.LazyAttribute(lambda proposal: proposal.source.customer)
    field = "phone"
    value = "0755-12345678"
    base_value = factory.LazyAttribute(lambda proposal: proposal.customer.phone)
    channel = Channel.VISIT
    proposed_by = factory.LazyAttribute(lambda proposal: proposal.source.report.salesperson)
    filed_at = factory.LazyFunction(timezone.now)
