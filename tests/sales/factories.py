import uuid
from decimal import Decimal

import factory

from sales.models import Product, ProductCategory, SalesRecord
from tests.customers.factories import CustomerFactory


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CAT{n:02d}")
    name = factory.Sequence(lambda n: f"类别{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    category = factory.SubFactory(ProductCategoryFactory)
    unit = "箱"
    unit_price = Decimal("10.00")


class SalesRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesRecord

    date = factory.Faker("date_between", start_date="-2y", end_date="today")
    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1.000")
    amount = Decimal("10.00")
    salesperson = factory.LazyAttribute(lambda record: record.customer.salesperson)
    line_key = factory.LazyFunction(uuid.uuid4)
