"""The demo's customer form links: two in each state, written through the services, and a
second run adds nothing."""

from collections import Counter

import pytest

from customerforms.models import FormLink
from customers.models import Channel
from demo.form_seeding import seed_customer_forms
from review.models import Proposal
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_demo_has_links_in_every_state_and_a_second_run_adds_none(manager, salesperson):
    for _ in range(12):
        CustomerFactory(salesperson=salesperson)

    made = seed_customer_forms(seed=2026, manager=manager)

    assert made == 10
    states = Counter(link.state for link in FormLink.objects.all())
    assert states == dict.fromkeys(FormLink.State.values, 2)
    assert {link.created_by for link in FormLink.objects.all()} == {manager, salesperson}
    proposals = Proposal.objects.pending()
    assert proposals.count() == 12
    assert set(proposals.values_list("channel", flat=True)) == {Channel.CUSTOMER_FORM}
    assert seed_customer_forms(seed=2026, manager=manager) == 0
    assert FormLink.objects.count() == 10
