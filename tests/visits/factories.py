import datetime

import factory
from django.utils import timezone

from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from visits.models import Visit, VisitReport


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
