import factory
from faker import Faker

from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from customers.models import Contact, CreditIncident, Customer
from tests.accounts.factories import UserFactory

fake_zh = Faker("zh_CN")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.LazyFunction(fake_zh.province)
    parent = None


class RouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Route
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"RT{n:03d}")
    name = factory.Sequence(lambda n: f"线路{n}")
    region = factory.SubFactory(RegionFactory)


def customer_type(code: str = "ordinary") -> CustomerType:
    """The seeded customer types (created by the migrations)."""
    return CustomerType.objects.get(code=code)


def ownership(code: str = "private") -> OwnershipForm:
    return OwnershipForm.objects.get(code=code)


def grade(code: str = "key") -> GradeLevel:
    return GradeLevel.objects.get(code=code)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"{fake_zh.company()}{n}")
    phone = factory.Sequence(lambda n: f"0755-8{n:07d}")
    address = factory.LazyFunction(fake_zh.address)
    salesperson = factory.SubFactory(UserFactory, role="sales")
    customer_type = factory.LazyFunction(customer_type)
    region = factory.SubFactory(RegionFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.LazyFunction(fake_zh.name)
    role = "采购经理"
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class CreditIncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditIncident

    customer = factory.SubFactory(CustomerFactory)
    occurred_on = factory.Faker("date_between", start_date="-3y", end_date="-1y")
    kind = CreditIncident.Kind.LATE_PAYMENT
    amount = factory.Faker("pydecimal", left_digits=5, right_digits=2, positive=True)
    description = "逾期付款"
