"""The demo's investigations: agencies, investigations in every state, proposals decided and
waiting in the queue beside the visits', a high risk and a key customer not investigated for
over a year on the risk view; all written by the services, and written once."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from customers.models import Channel, FieldProvenance
from demo.investigation_seeding import seed_investigations
from investigations.models import Agency, Investigation
from review.models import Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", customers=120, sales=2000, stdout=StringIO())
    return get_user_model().objects.get(username="manager")


def test_the_demo_has_investigations_in_every_state_and_proposals_in_the_queue(client, demo):
    assert Investigation.objects.count() == 9  # seed_demo commissions them
    assert Agency.objects.filter(is_active=True).count() == 3
    states = set(Investigation.objects.values_list("status", flat=True))
    assert states == {"requested", "delivered", "reviewed"}
    pending = Proposal.objects.pending().filter(channel=Channel.INVESTIGATION)
    assert pending.count() >= 4
    assert Proposal.objects.pending().filter(channel=Channel.VISIT).exists()
    assert FieldProvenance.objects.filter(channel=Channel.INVESTIGATION, verified=True).exists()
    assert Proposal.objects.filter(channel=Channel.INVESTIGATION, status="rejected").count() == 1
    client.force_login(demo)
    risk = client.get("/investigations/risk/").content.decode()
    for section in ("risk-incidents", "risk-high", "risk-stale"):
        start = risk.index(f'data-testid="{section}"')
        assert 'data-testid="commission"' in risk[start : risk.index("</section>", start)]
    queue = client.get("/review/?channel=investigation").content.decode()
    assert "Investigation by " in queue


def test_a_second_run_adds_nothing(demo):
    before = (Investigation.objects.count(), Proposal.objects.count(), Agency.objects.count())
    assert seed_investigations(seed=2026, manager=demo) == 0
    after = (Investigation.objects.count(), Proposal.objects.count(), Agency.objects.count())
    assert after == before
