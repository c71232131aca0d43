"""Demo credit investigations (委托专业调查机构): a few agencies and about a year of
investigations in every state, so that the investigations list, the cards' panels, the
review queue, the risk view and the cost analysis have something true to show.

The customers investigated are those a manager would pick: customers with past credit
problems and customers of the highest grade. Two requests are still out; the most recent
deliveries wait in the review queue beside the visits' proposals; the older ones were
reviewed (their changes accepted, one rejected), one found a high risk; one delivery
proposed nothing and stays delivered. A key customer was last investigated over a year ago,
so the risk view lists it.

Everything is written through the services (`agency_create`, `investigation_commission`,
`investigation_deliver`, `proposal_accept`, `proposal_reject`); only the clock of the past
is set afterwards: when the proposals were filed and decided. Idempotent: the agencies are
made once, and the investigations only when there are none."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from classification.models import GradeLevel
from customers.models import Customer
from investigations.models import Agency, Investigation, RiskLevel
from investigations.selectors import proposals_of
from investigations.services import agency_create, investigation_commission, investigation_deliver
from review.services import proposal_accept, proposal_reject

AGENCIES = (
    {
        "code": "HXZX",
        "name": "华信征信有限公司",
        "name_en": "Huaxin Credit Information",
        "contact": "陈立",
        "phone": "021-6288-1200",
        "order": 1,
    },
    {
        "code": "DBCN",
        "name": "邓白氏（中国）",
        "name_en": "Dun & Bradstreet China",
        "contact": "周婷",
        "phone": "021-2322-8800",
        "order": 2,
    },
    {
        "code": "ZCPG",
        "name": "中诚信用评估所",
        "name_en": "",
        "contact": "李强",
        "phone": "010-6621-3300",
        "order": 3,
    },
    {
        "code": "LDDC",
        "name": "老东城调查事务所",
        "name_en": "",
        "contact": "王军",
        "phone": "020-8731-0000",
        "order": 9,
        "is_active": False,  # no longer used: kept for the investigations it made
    },
)
SCOPES = (
    "信用状况、付款能力与涉诉情况",
    "经营状况与主要股东背景",
    "近三年财务状况与银行信用记录",
)
FINDINGS = {
    RiskLevel.LOW: ("经营稳定，银行信用记录良好，无涉诉记录。", ("AA", "A")),
    RiskLevel.MEDIUM: ("近期资金周转偏紧，存在两笔逾期应付款，已陆续结清。", ("BBB", "BB")),
    RiskLevel.HIGH: ("多家供应商反映长期拖欠货款，涉及两起合同纠纷诉讼。", ("B", "C")),
}


@dataclass(frozen=True)
class _Plan:
    """One demo investigation: requested `requested` days ago, delivered `delivered` days
    ago (None: still out), what it found, and what became of its proposals."""

    requested: int
    delivered: int | None = None
    risk: str = ""
    proposes: bool = True
    decision: str = ""  # "accept", "reject one", or "" (waiting in the queue)


PLANS = (
    _Plan(requested=5),
    _Plan(requested=12),
    _Plan(requested=25, delivered=3, risk=RiskLevel.HIGH),
    _Plan(requested=30, delivered=6, risk=RiskLevel.MEDIUM),
    _Plan(requested=70, delivered=45, risk=RiskLevel.LOW, proposes=False),
    _Plan(requested=120, delivered=95, risk=RiskLevel.HIGH, decision="accept"),
    _Plan(requested=200, delivered=170, risk=RiskLevel.MEDIUM, decision="reject one"),
    _Plan(requested=300, delivered=280, risk=RiskLevel.LOW, decision="accept"),
    _Plan(requested=420, delivered=400, risk=RiskLevel.LOW, decision="accept"),
)


def _agencies(manager) -> list[Agency]:
    """The demo agencies, made the first time (the active ones returned)."""
    for data in AGENCIES:
        if not Agency.objects.filter(code=data["code"]).exists():
            agency_create(data=data, actor=manager)
    return list(Agency.objects.filter(is_active=True).order_by("order", "code"))


def _shuffled(customers, rng: random.Random) -> list[Customer]:
    customers = list(customers)
    rng.shuffle(customers)
    return customers


def _customers(rng: random.Random) -> tuple[list[Customer], Customer | None]:
    """The active customers a manager would have investigated, one per plan but the last:
    those with credit problems first, then the highest grade's, then any, each once; and a
    customer of the highest grade for the last plan, investigated over a year ago (None
    when the demo has no other)."""
    active = Customer.objects.active().order_by("code")
    top = GradeLevel.objects.filter(is_active=True).order_by("order", "code").first()
    key = _shuffled(active.filter(grade=top), rng) if top else []
    chosen: list[Customer] = []
    for customer in [
        *_shuffled(active.filter(credit_incidents__isnull=False).distinct(), rng),
        *key,
        *_shuffled(active, rng),
    ]:
        if len(chosen) == len(PLANS) - 1:
            break
        if customer not in chosen:
            chosen.append(customer)
    return chosen, next((customer for customer in key if customer not in chosen), None)


def _proposals(plan: _Plan, rating: str, limit: Decimal, day) -> list[dict]:
    if not plan.proposes:
        return []
    proposals = [
        {"field": "credit_rating", "value": rating},
        {"field": "credit_limit", "value": str(limit)},
    ]
    if plan.risk == RiskLevel.HIGH:
        proposals.append(
            {
                "field": "credit_incident",
                "value": {
                    "occurred_on": (day - datetime.timedelta(days=60)).isoformat(),
                    "kind": "dispute",
                    "amount": "86000.00",
                    "description": "合同纠纷诉讼（调查机构报告）",
                },
            }
        )
    return proposals


def _seed_one(plan: _Plan, customer: Customer, *, agency, number: int, today, rng, manager):
    """Commission one investigation as `plan` says, record its delivery and decide its
    proposals."""
    investigation = investigation_commission(
        customer=customer,
        agency=agency,
        requested_on=today - datetime.timedelta(days=plan.requested),
        cost=Decimal(rng.randint(15, 80) * 100),
        scope=SCOPES[number % len(SCOPES)],
        actor=manager,
    )
    if plan.delivered is None:
        return
    delivered_on = today - datetime.timedelta(days=plan.delivered)
    text, ratings = FINDINGS[plan.risk]
    rating = rng.choice(ratings)
    # A high risk: no credit at all, cash on delivery.
    limit = Decimal(0) if plan.risk == RiskLevel.HIGH else Decimal(rng.randint(2, 30) * 10_000)
    investigation_deliver(
        investigation=investigation,
        findings={
            "delivered_on": delivered_on,
            "findings": text,
            "credit_rating": rating,
            "risk_level": plan.risk,
            "recommended_credit_limit": limit,
        },
        proposals=_proposals(plan, rating, limit, delivered_on),
        actor=manager,
    )
    proposals = proposals_of([investigation]).order_by("pk")
    for index, proposal in enumerate(proposals if plan.decision else ()):
        if plan.decision == "reject one" and index == 0:
            proposal_reject(proposal=proposal, actor=manager, comment="与近期交易记录不符")
        else:
            proposal_accept(proposal=proposal, actor=manager, confirm=True)
    filed = timezone.make_aware(datetime.datetime.combine(delivered_on, datetime.time(16)))
    proposals = proposals_of([investigation])
    proposals.update(filed_at=filed)
    proposals.exclude(decided_at=None).update(decided_at=filed + datetime.timedelta(days=2))


def seed_investigations(*, seed: int, manager) -> int:
    """Demo agencies and investigations (see the module's docstring); returns how many
    investigations this run made (none once there are some)."""
    agencies = _agencies(manager)
    if Investigation.objects.exists():
        return 0
    rng = random.Random(f"investigations-{seed}")
    today = timezone.localdate()
    chosen, stale = _customers(rng)
    # A small demo may have fewer customers than plans: the plans left over are skipped.
    customers = [*chosen, *[None] * (len(PLANS) - 1 - len(chosen)), stale]
    made = 0
    for number, (plan, customer) in enumerate(zip(PLANS, customers, strict=True)):
        if customer is None:
            continue
        made += 1
        _seed_one(
            plan,
            customer,
            agency=agencies[number % len(agencies)],
            number=number,
            today=today,
            rng=rng,
            manager=manager,
        )
    return made
