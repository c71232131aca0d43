import datetime
import secrets

import factory
from django.utils import timezone

from customerforms.models import FormLink, FormSubmission, token_hash
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory


class FormLinkFactory(factory.django.DjangoModelFactory):
    """A link as the service makes it; its token, which only a test may keep, is `token`
    (`FormLinkFactory(token="…")` to choose it)."""

    class Meta:
        model = FormLink
        exclude = ("token",)

    token = factory.Sequence(lambda n: f"test-token-{n:04d}-{'x' * 30}")
    token_hash = factory.LazyAttribute(lambda link: token_hash(link.token))
    customer = factory.SubFactory(CustomerFactory)
    created_by = factory.SubFactory(UserFactory, role="manager")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


class FormSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormSubmission

    link = factory.SubFactory(FormLinkFactory, submitted_at=factory.LazyFunction(timezone.now))
    values = factory.LazyAttribute(lambda submission: {"phone": "0512-0000000"})
    changed_fields = factory.LazyFunction(lambda: ["phone"])
    client_address = "203.0.113.7"
    user_agent = "Mozilla/5.0 (test)"


def link_with_token(**kwargs) -> tuple[FormLink, str]:
    """A link and the path of its public form (which the database cannot give back)."""
    token = kwargs.pop("token", None) or secrets.token_urlsafe(32)
    return FormLinkFactory(token=token, **kwargs), f"/forms/f/{token}/"
