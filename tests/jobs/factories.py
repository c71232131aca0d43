import factory

from jobs.models import Job
from tests.accounts.factories import UserFactory


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory, role="sales")
    kind = Job.Kind.REGRADE
