"""Demo daily visit reports (客户访问日报) and the review of what they proposed: about three
weeks of each demo salesperson's working days, so that the reports, the compliance and
coverage pages, the review queue, the cards' visit histories and the home pages all have
something true to show.

Each working day up to yesterday has a report with visits to the customers due on the
salesperson's round that day (`plan_for`), most of them, not all, so coverage shows misses;
a few days have none (nothing filed), a few reports came in late; today's report is a draft
with one visit. Every other report proposes a card change (a phone number, a contact, a
credit incident, a credit limit, a development potential, payment terms); the demo manager
has accepted or rejected the older ones and left the most recent ones in the queue, one of
them on a card that has changed since (the reviewer must confirm it).

Everything is written through the services (`report_create`, `report_submit`,
`proposal_accept`, `proposal_reject`, `card_update`); only the clock of the past is set
afterwards (see `_backdate`). Idempotent: a day that has a report is left alone, and which
days are missing or late is told by the date, so a second run adds nothing."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from faker import Faker

from accounts.roles import SALES
from classification.services.routes import plan_for
from customers.models import Channel, Customer
from customers.services import card_update
from demo.seeding import CONTACT_ROLES, DEMO_USERS, PAYMENT_TERMS
from review.models import Proposal
from review.services import proposal_accept, proposal_reject
from visits.models import Visit, VisitReport
from visits.services import report_create, report_deadline, report_submit

REPORT_DAYS = 21  # three weeks back from today
# Which working days a salesperson filed nothing, and which reports came in late: every
# MISSING_EVERY-th and LATE_EVERY-th working day (counted from a fixed Monday), shifted per
# salesperson. Told by the date, not drawn, so that every three weeks have some of each and
# a second run agrees with the first.
MISSING_EVERY = 8
LATE_EVERY = 5
VISITED_SHARE = 0.7  # of the stops due on a day
MIN_VISITS, MAX_VISITS = 3, 7  # a day's visits, when that many are due
FOLLOW_UP_SHARE = 0.35
CHECK_IN_SHARE = 0.75  # of the visits made in person
FAR_CHECK_IN_SHARE = 0.1  # of the check-ins: a few hundred metres off, for the manager to see
NEAR = 0.0006  # degrees, about 60 m: at the customer's door
FAR = 0.004  # degrees, about 400 m
# The proposals of the most recent reports that proposed something wait in the queue; older
# ones were decided by the manager, every REJECT_EVERY-th rejected.
PENDING_REPORTS = 2
REJECT_EVERY = 3

KINDS = {
    Visit.Kind.VISIT: 70,
    Visit.Kind.PHONE: 15,
    Visit.Kind.DELIVERY: 10,
    Visit.Kind.COMPLAINT: 5,
}
IN_PERSON = (Visit.Kind.VISIT, Visit.Kind.DELIVERY, Visit.Kind.COMPLAINT)
PURPOSES = {
    Visit.Kind.VISIT: (
        "例行拜访",
        "新品推介",
        "了解库存情况",
        "催收货款",
        "洽谈年度合同",
        "检查陈列",
    ),
    Visit.Kind.PHONE: ("电话回访", "确认补货订单", "提醒本月付款"),
    Visit.Kind.DELIVERY: ("送货并核对数量", "送新品样品"),
    Visit.Kind.COMPLAINT: ("处理包装破损投诉", "处理到货延迟投诉"),
}
SUMMARIES = (
    "店主反映近期客流增加，饮料类走货快",
    "对方表示下月要扩大采购量",
    "仓库积压较多，暂不补货",
    "对新品价格比较敏感，希望有促销支持",
    "竞争对手最近在降价促销，对方在观望",
    "上月货款已安排支付，本周到账",
    "对我司送货及时表示满意",
)
SITUATIONS = (
    "经营正常，门店整洁",
    "资金略紧张，付款周期拉长",
    "新开一家分店，正在装修",
    "人员调整中，决策较慢",
    "生意平稳，老板很配合",
)
NEXT_STEPS = (
    "下周送样品并报价",
    "跟进付款进度",
    "准备促销方案给店主",
    "约采购经理面谈年度合同",
    "下次拜访时检查陈列",
    "月底前确认补货订单",
)
REJECTIONS = (
    "与财务记录不符，请核实后再报",
    "信息不完整，请补充后重新提交",
    "已电话核实，情况有误",
)


@dataclass
class VisitSummary:
    reports: int
    new_reports: int
    pending: int


@dataclass
class _Filed:
    """A report made by this run, what it proposed and when it was handed in."""

    report: VisitReport
    proposes: bool
    submitted_at: datetime.datetime
    late: bool


def _working_day_number(day: datetime.date) -> int:
    """Mondays to Fridays numbered in a row (Saturday and Sunday take Friday's number)."""
    weeks, weekday = divmod(day.toordinal() - 1, 7)  # day 1 of year 1 was a Monday
    return weeks * 5 + min(weekday, 4)


def _local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _degrees(value) -> Decimal:
    return Decimal(f"{value:.6f}")


# --- Proposals -------------------------------------------------------------------------------

# The change a visit proposes, in this order from the most recent report back: the queue's
# first items are a phone number and a credit incident, the older, decided ones the others.
PROPOSED_FIELDS = (
    "phone",
    "credit_incident",
    "contact",
    "credit_limit",
    "development_potential",
    "payment_terms",
)


def _proposal(field, *, customer: Customer, day, rng, fake) -> tuple[dict, str]:
    """What a visit to `customer` on `day` proposes for `field`, and what the salesperson
    wrote about it."""
    if field == "phone":
        area = customer.phone.split("-")[0] if "-" in customer.phone else "020"
        value = f"{area}-{rng.randint(20_000_000, 89_999_999)}"
        return {"field": field, "value": value}, "前台告知公司座机号码已更换"
    if field == "contact":
        value = {
            "name": fake.name(),
            "role": rng.choice(CONTACT_ROLES),
            "mobile": fake.phone_number(),
        }
        return {"field": field, "value": value}, f"新来的{value['role']}负责订货，留了手机号"
    if field == "credit_incident":
        value = {
            "occurred_on": (day - datetime.timedelta(days=rng.randint(5, 30))).isoformat(),
            "kind": "late_payment",
            "amount": f"{rng.randint(20, 300) * 100}.00",
            "description": "上月货款逾期未付",
        }
        return {"field": field, "value": value}, "上月货款至今未付，对方称资金周转困难"
    if field == "credit_limit":
        value = f"{rng.randint(10, 80) * 10_000}.00"
        return {"field": field, "value": value}, "采购量增加，对方申请提高信用额度"
    if field == "development_potential":
        choices = [
            level for level in Customer.Level.values if level != customer.development_potential
        ]
        return {"field": field, "value": rng.choice(choices)}, "新开两家门店，发展潜力有变化"
    choices = [terms for terms in PAYMENT_TERMS if terms != customer.payment_terms]
    return {"field": "payment_terms", "value": rng.choice(choices)}, "对方要求调整结算方式"


def _proposed_field(number: int, customer: Customer) -> str:
    field = PROPOSED_FIELDS[number % len(PROPOSED_FIELDS)]
    # The demo's cards have up to three contacts; a fourth would be one too many.
    if field == "contact" and customer.contacts.count() >= 3:
        return "phone"
    return field


# --- Reports ---------------------------------------------------------------------------------


def _visits(stops: list[Customer], *, day, rng) -> list[dict]:
    """The visits of a day: most of the due stops, in round order, from nine o'clock."""
    visited = [stop for stop in stops if rng.random() < VISITED_SHARE] or stops[:1]
    minutes = 9 * 60 + rng.randint(0, 30)
    visits = []
    for customer in visited[: rng.randint(MIN_VISITS, MAX_VISITS)]:
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        visit = {
            "customer": customer,
            "time": datetime.time(minutes // 60, minutes % 60),
            "kind": kind,
            "purpose": rng.choice(PURPOSES[kind]),
            "summary": rng.choice(SUMMARIES),
            "situation": rng.choice(SITUATIONS),
            "next_steps": rng.choice(NEXT_STEPS),
        }
        if rng.random() < FOLLOW_UP_SHARE:
            visit["follow_up_on"] = day + datetime.timedelta(days=rng.randint(2, 10))
        if (
            kind in IN_PERSON
            and customer.latitude is not None
            and customer.longitude is not None
            and rng.random() < CHECK_IN_SHARE
        ):
            off = FAR if rng.random() < FAR_CHECK_IN_SHARE else NEAR
            visit["latitude"] = _degrees(float(customer.latitude) + rng.uniform(-off, off))
            visit["longitude"] = _degrees(float(customer.longitude) + rng.uniform(-off, off))
        visits.append(visit)
        minutes += rng.randint(40, 90)
    return visits


def _stops(salesperson, day, fallback: list[Customer]) -> list[Customer]:
    """The customers due on the salesperson's rounds on `day`, in visiting order; on a day
    without a round, a few of their customers to call."""
    stops = [customer for planned in plan_for(salesperson, day) for customer in planned.stops]
    return stops or fallback


def _submission(day, *, late: bool, rng, now) -> tuple[datetime.datetime, bool]:
    """When the report of `day` was handed in, and whether that was late by the deadline
    rule (`report_deadline`): the same evening or the next morning before the deadline,
    or, `late`, some hours after it. Never after `now`."""
    deadline = report_deadline(day)
    if late:
        submitted_at = deadline + datetime.timedelta(minutes=rng.randint(30, 8 * 60))
    elif rng.random() < 0.8:
        submitted_at = _local(day, rng.randint(17, 20), rng.randint(0, 59))
    else:
        submitted_at = _local(
            day + datetime.timedelta(days=1), rng.randint(7, 9), rng.randint(0, 59)
        )
    if submitted_at > now:
        submitted_at = min(now, deadline)
    return submitted_at, submitted_at > deadline


def _backdate(filed: list[_Filed]) -> None:
    """Give the reports made now the history they stand for. `report_submit` stamps the
    real clock (and marks every past day late by it); a demo of three weeks needs the times
    those reports were handed in. So, once each report has been submitted through the
    service, its `submitted_at` and `late` are set to the seeded moment, `late` by the same
    `report_deadline` rule (`_submission`), its proposals' `filed_at` (when they reached the
    queue) to that moment, and its other timestamps to the day (begun at the first visit,
    last changed when submitted); the visits' check-ins get their visit's time. Demo history
    only: the service's rules were all kept when the report was written and submitted."""
    visit_type = ContentType.objects.get_for_model(Visit)
    for item in filed:
        first_visit = min(visit.time for visit in item.report.visits.all())
        VisitReport.objects.filter(pk=item.report.pk).update(
            submitted_at=item.submitted_at,
            late=item.late,
            created_at=_local(item.report.date, first_visit.hour, first_visit.minute),
            updated_at=item.submitted_at,
        )
        if item.proposes:
            Proposal.objects.filter(
                source_type=visit_type, source_id__in=item.report.visits.values("pk")
            ).update(filed_at=item.submitted_at)
    checked_in = list(
        Visit.objects.filter(
            report__in=[item.report for item in filed], latitude__isnull=False
        ).select_related("report")
    )
    for visit in checked_in:
        visit.checked_in_at = _local(visit.report.date, visit.time.hour, visit.time.minute)
    Visit.objects.bulk_update(checked_in, ["checked_in_at"], batch_size=500)


def _seed_salesperson(salesperson, *, index: int, seed: int, today, now) -> list[_Filed]:
    """The salesperson's reports of the last `REPORT_DAYS` days (working days up to
    yesterday, submitted) and of today (a draft), where missing; returns those submitted."""
    existing = set(
        VisitReport.objects.filter(salesperson=salesperson).values_list("date", flat=True)
    )
    fallback = list(Customer.objects.visible_to(salesperson).active().order_by("code")[:2])
    fake = Faker("zh_CN")
    days = []
    for back in range(REPORT_DAYS, 0, -1):
        day = today - datetime.timedelta(days=back)
        number = _working_day_number(day) + 3 * index
        if day.weekday() < 5 and day not in existing and number % MISSING_EVERY:
            days.append(day)
    filed = []
    proposed_to: set[int] = set()
    for position, day in enumerate(days):
        rng = random.Random(f"{seed}-visits-{salesperson.username}-{day.isoformat()}")
        fake.seed_instance(rng.random())
        visits = _visits(_stops(salesperson, day, fallback), day=day, rng=rng)
        if not visits:
            continue
        # Every other report proposes a change, counted back from the most recent one, at
        # the first visit to a customer with no other proposal of the run: the manager
        # decides them later, and a second change to the same field would be stale by then.
        from_last = len(days) - 1 - position
        visit = next((v for v in visits if v["customer"].pk not in proposed_to), None)
        proposes = from_last % 2 == 0 and visit is not None
        if proposes:
            customer = visit["customer"]
            field = _proposed_field(from_last // 2, customer)
            proposal, summary = _proposal(field, customer=customer, day=day, rng=rng, fake=fake)
            visit["proposals"] = [proposal]
            visit["summary"] = summary
            proposed_to.add(customer.pk)
        report = report_create(salesperson=salesperson, day=day, visits=visits)
        report = report_submit(report=report, actor=salesperson)
        late = day <= today - datetime.timedelta(days=2) and (
            (_working_day_number(day) + 2 * index) % LATE_EVERY == 0
        )
        submitted_at, late = _submission(day, late=late, rng=rng, now=now)
        filed.append(_Filed(report, proposes, submitted_at, late))
    if today not in existing:
        _seed_draft(salesperson, today=today, now=now, seed=seed, fallback=fallback)
    return filed


def _seed_draft(salesperson, *, today, now, seed: int, fallback) -> None:
    """Today's report, begun: one visit to the first stop of the day, just now, with a
    follow-up in two days."""
    rng = random.Random(f"{seed}-visits-{salesperson.username}-{today.isoformat()}")
    stops = _stops(salesperson, today, fallback)
    if not stops:
        return
    local = timezone.localtime(now)
    (visit,) = _visits(stops[:1], day=today, rng=rng)
    visit["time"] = datetime.time(local.hour, local.minute - local.minute % 5)
    visit["kind"] = Visit.Kind.VISIT
    visit["purpose"] = PURPOSES[Visit.Kind.VISIT][0]
    visit["follow_up_on"] = today + datetime.timedelta(days=2)
    report_create(salesperson=salesperson, day=today, visits=[visit])


def _decide(filed: list[_Filed], *, manager, seed: int) -> None:
    """The manager's decisions on the proposals of the older reports, oldest first: most
    accepted (through the card's update door), every `REJECT_EVERY`-th rejected."""
    proposing = [item for item in filed if item.proposes]
    older = proposing[:-PENDING_REPORTS] if len(proposing) > PENDING_REPORTS else []
    visit_type = ContentType.objects.get_for_model(Visit)
    proposals = Proposal.objects.filter(
        source_type=visit_type,
        source_id__in=Visit.objects.filter(report__in=[item.report for item in older]).values("pk"),
    ).order_by("filed_at", "pk")
    for number, proposal in enumerate(proposals, start=1):
        if number % REJECT_EVERY == 0:
            comment = random.Random(f"{seed}-reject-{proposal.pk}").choice(REJECTIONS)
            proposal_reject(proposal=proposal, actor=manager, comment=comment)
        else:
            proposal_accept(proposal=proposal, actor=manager)


def _change_a_card_meanwhile(filed: list[_Filed], *, manager, seed: int) -> None:
    """The manager edits the phone number of a card whose new number waits in the queue:
    the reviewer will be shown the card's new value and asked to confirm."""
    visit_type = ContentType.objects.get_for_model(Visit)
    waiting = (
        Proposal.objects.pending()
        .filter(
            field="phone",
            source_type=visit_type,
            source_id__in=Visit.objects.filter(report__in=[item.report for item in filed]).values(
                "pk"
            ),
        )
        .order_by("-filed_at", "-pk")
        .first()
    )
    if waiting is None:
        return
    customer = Customer.objects.get(pk=waiting.customer_id)
    area = customer.phone.split("-")[0] if "-" in customer.phone else "020"
    number = random.Random(f"{seed}-meanwhile-{customer.pk}").randint(20_000_000, 89_999_999)
    card_update(
        customer=customer,
        changes={"phone": f"{area}-{number}"},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )


def seed_visit_reports(*, seed: int, manager) -> VisitSummary:
    """The demo salespeople's visit reports of the last three weeks and today, their
    proposals decided or waiting, where missing (see the module's docstring)."""
    today = timezone.localdate()
    now = timezone.now()
    User = get_user_model()
    usernames = [demo.username for demo in DEMO_USERS if demo.role == SALES]
    salespeople = sorted(
        User.objects.filter(username__in=usernames), key=lambda u: usernames.index(u.username)
    )
    before = VisitReport.objects.count()
    filed = []
    for index, salesperson in enumerate(salespeople):
        made = _seed_salesperson(salesperson, index=index, seed=seed, today=today, now=now)
        _backdate(made)
        _decide(made, manager=manager, seed=seed)
        filed += made
    _change_a_card_meanwhile(filed, manager=manager, seed=seed)
    reports = VisitReport.objects.count()
    return VisitSummary(
        reports=reports, new_reports=reports - before, pending=Proposal.objects.pending().count()
    )
