import datetime
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from investigations.models import Agency, Investigation
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory

# The first bytes of the files an agency sends: enough for the type to be told.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_upload(name: str = "report.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n:03d}")
    name = factory.Sequence(lambda n: f"华信征信{n}")
    contact = "陈经理"
    phone = "021-5555-0000"


class InvestigationFactory(factory.django.DjangoModelFactory):
    """A requested investigation (written directly: tests that need a state through the
    services call them)."""

    class Meta:
        model = Investigation

    customer = factory.SubFactory(CustomerFactory)
    agency = factory.SubFactory(AgencyFactory)
    requested_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    cost = Decimal("3000.00")
    scope = "信用状况与付款能力"
    requested_by = factory.SubFactory(UserFactory, role="manager")
