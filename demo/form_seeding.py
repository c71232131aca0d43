"""Demo customer data form links (客户资料表): two links in each state (sent, opened,
submitted, expired, revoked) on different customers, made by the demo manager or the
customer's salesperson, so that the cards' panels, the admin and the review queue (the
submitted forms' proposed changes wait there, channel customer_form) have something true to
show.

Everything is written through the services (`link_create`, `link_open`, `form_submit`,
`link_revoke`); only the clock of the past is set afterwards (`_backdate`): when each link
was made, opened and sent, and an expired link's expiry. The tokens are thrown away, as the
service keeps only their hashes: to try the public form, send a new link from a card.
Idempotent: once any link exists, nothing is added."""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from customerforms.models import FormLink, FormSubmission
from customerforms.services import form_submit, link_create, link_open, link_revoke
from customers.models import Customer

PLAN = (
    FormLink.State.SENT,
    FormLink.State.OPENED,
    FormLink.State.SUBMITTED,
    FormLink.State.EXPIRED,
    FormLink.State.REVOKED,
) * 2
NOTES = (
    "",
    "您好！为更好地为贵公司服务，请核对并补充贵公司的基本资料，谢谢。",
    "请更新贵公司的联系电话和地址，如有变更请一并填写。",
)
SHARES = ((), ("name", "address", "phone"), ("name", "phone", "email", "website"))
LEGAL_REPRESENTATIVES = ("王建国", "李春梅", "张伟", "陈晓东", "刘芳")
SCALES = ("large", "medium", "small", "micro")
DEMO_ADDRESS = "203.0.113.20"  # TEST-NET-3: a documentation address, never a real client
DEMO_BROWSER = "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36"


def _answers(customer: Customer, rng: random.Random) -> dict:
    """What a customer's staff type: a new phone and a few facts the card lacks."""
    return {
        "phone": f"0{rng.randint(510, 599)}-{rng.randint(60000000, 69999999)}",
        "legal_representative": rng.choice(LEGAL_REPRESENTATIVES),
        "founded_on": datetime.date(rng.randint(1990, 2018), rng.randint(1, 12), 1),
        "registered_capital": Decimal(rng.choice((500_000, 1_000_000, 5_000_000))),
        "enterprise_scale": rng.choice(SCALES),
        "website": f"https://www.{customer.code.lower()}.example.cn",
    }


def _backdate(link: FormLink, *, days_ago: int, state: str) -> None:
    """Give a link made now the history of a link made `days_ago` days ago. Demo history
    only: the services' rules were all kept when the link was made and used."""
    made = timezone.now() - datetime.timedelta(days=days_ago, hours=3)
    dates = {"created_at": made}
    if link.opened_at is not None:
        dates["opened_at"] = made + datetime.timedelta(hours=5)
    if link.submitted_at is not None:
        dates["submitted_at"] = made + datetime.timedelta(hours=6)
        FormSubmission.objects.filter(link=link).update(submitted_at=dates["submitted_at"])
    if link.revoked_at is not None:
        dates["revoked_at"] = made + datetime.timedelta(days=1)
    if state == FormLink.State.EXPIRED:
        dates["expires_at"] = made + datetime.timedelta(days=14)
    else:
        dates["expires_at"] = link.expires_at - datetime.timedelta(days=days_ago)
    FormLink.objects.filter(pk=link.pk).update(**dates)


def seed_customer_forms(*, seed: int, manager) -> int:
    """Two demo links in each state on active customers that have a salesperson; returns
    how many links were made (0 when there were links already)."""
    if FormLink.objects.exists():
        return 0
    rng = random.Random(seed)
    customers = list(
        Customer.objects.active()
        .filter(salesperson__isnull=False)
        .select_related("salesperson")
        .order_by("pk")[:300]
    )
    made = 0
    for index, (customer, state) in enumerate(
        zip(rng.sample(customers, k=min(len(PLAN), len(customers))), PLAN, strict=False)
    ):
        creator = manager if index % 2 else customer.salesperson
        link = link_create(
            customer=customer,
            actor=creator,
            note=rng.choice(NOTES),
            shared_fields=rng.choice(SHARES),
        ).link
        if state != FormLink.State.SENT:
            link_open(link=link)
        if state == FormLink.State.SUBMITTED:
            form_submit(
                link=link,
                values=_answers(customer, rng),
                client_address=DEMO_ADDRESS,
                user_agent=DEMO_BROWSER,
            )
        elif state == FormLink.State.REVOKED:
            link_revoke(link=link, actor=creator)
        link.refresh_from_db()
        days_ago = 20 if state == FormLink.State.EXPIRED else rng.randint(1, 6)
        _backdate(link, days_ago=days_ago, state=state)
        made += 1
    return made
