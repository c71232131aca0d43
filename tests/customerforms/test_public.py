"""The public data form, as the customer's staff meet it without an account: the form by its
one-time link, its fields named as in the customers API and prefilled only with what was
shared, CSRF kept, every value checked as the card would, and a clear page (404, 410, 429)
that stores nothing for a made-up, used, expired or revoked link or too many requests."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from customerforms.models import FORM_FIELDS, FormLink, FormSubmission
from customers.models import Channel, Customer
from review.models import Proposal
from tests.customerforms.factories import link_with_token
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

INTERNAL = ("C-MINE", "0512-1111", "主力客户", "信用良好")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The rate limits count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE",
        name="苏州百货有限公司",
        phone="0512-1111",
        address="苏州市人民路1号",
        reputation="信用良好",
        sales_activity="主力客户",
        salesperson=salesperson,
    )


@pytest.fixture
def link(customer):
    return link_with_token(customer=customer, note="请核对贵公司的资料，谢谢！")


@pytest.fixture
def browser_client():
    """An anonymous visitor whose POSTs need the CSRF token, as a browser's do."""
    return Client(enforce_csrf_checks=True)


class FormFields(HTMLParser):
    """The named inputs of a page's forms and their values (selected options for selects,
    text for textareas)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
            self.values[self._select] = ""
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def fields_of(response) -> dict[str, str]:
    parser = FormFields()
    parser.feed(response.content.decode())
    return parser.values


def form_data(response, **changes) -> dict[str, str]:
    """What the browser sends back: the customer form's fields as shown (with the CSRF
    token), with `changes`; the language switcher's fields left out."""
    fields = fields_of(response)
    data = {name: fields[name] for name in (*FORM_FIELDS, "csrfmiddlewaretoken")}
    return {**data, **changes}


def stored() -> tuple:
    return (
        FormSubmission.objects.count(),
        Proposal.objects.count(),
        Customer.history.count(),
        list(FormLink.objects.values_list("opened_at", "submitted_at")),
    )


# Showing the form --------------------------------------------------------------------------


def test_the_form_shows_its_fields_named_after_the_card_fields_and_starts_empty(
    browser_client, link, customer
):
    _link, path = link

    response = browser_client.get(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    fields = fields_of(response)
    assert set(FORM_FIELDS) <= set(fields)
    assert set(fields) - set(FORM_FIELDS) == {"csrfmiddlewaretoken", "language", "next"}
    assert all(fields[name] == "" for name in FORM_FIELDS)
    assert customer.name in html
    assert "请核对贵公司的资料，谢谢！" in html
    assert "Archive CRM" in html
    for internal in INTERNAL:
        assert internal not in html
    assert "csrftoken" in response.cookies


def test_the_form_shows_the_shared_values_only(browser_client, customer):
    _link, path = link_with_token(customer=customer, shared_fields=["name", "phone"])

    fields = fields_of(browser_client.get(path))

    assert (fields["name"], fields["phone"]) == (customer.name, "0512-1111")
    assert fields["address"] == ""
    assert "苏州市人民路1号" not in browser_client.get(path).content.decode()


def test_the_company_name_is_the_setting_when_set(browser_client, link, settings):
    settings.CUSTOMER_FORM_COMPANY_NAME = "苏州贸易有限公司"

    response = browser_client.get(link[1])

    assert "苏州贸易有限公司" in response.content.decode()


def test_the_first_visit_marks_the_link_opened(browser_client, link):
    form_link, path = link

    browser_client.get(path)

    form_link.refresh_from_db()
    assert form_link.state == FormLink.State.OPENED


def test_the_page_follows_the_browsers_language_and_offers_the_switcher(browser_client, link):
    response = browser_client.get(link[1], HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'action="/i18n/setlang/"' in html


def test_the_switcher_sets_the_language_without_an_account(browser_client, link):
    _link, path = link
    token = fields_of(browser_client.get(path))["csrfmiddlewaretoken"]

    response = browser_client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": path, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302 and response["Location"] == path
    assert '<html lang="zh-hans">' in browser_client.get(path).content.decode()


def test_the_public_pages_are_not_cached_indexed_or_referred(browser_client, link):
    response = browser_client.get(link[1])

    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# Sending it --------------------------------------------------------------------------------


def test_sending_the_form_turns_each_changed_field_into_a_proposal(browser_client, link):
    form_link, path = link
    page = browser_client.get(path)

    response = browser_client.post(
        path,
        form_data(
            page,
            phone="0512-2222",
            email="info@example.com",
            founded_on="2001-05-01",
            enterprise_scale="medium",
            legal_representative="王伟",
        ),
        HTTP_USER_AGENT="Mozilla/5.0 (Test)",
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302
    assert response["Location"] == "/forms/thanks/"
    proposals = {p.field: p.value for p in Proposal.objects.filter(channel=Channel.CUSTOMER_FORM)}
    assert proposals == {
        "phone": "0512-2222",
        "email": "info@example.com",
        "founded_on": "2001-05-01",
        "enterprise_scale": "medium",
        "legal_representative": "王伟",
    }
    submission = FormSubmission.objects.get()
    assert (submission.client_address, submission.user_agent) == (
        "203.0.113.9",
        "Mozilla/5.0 (Test)",
    )
    assert Proposal.objects.pending().count() == 5
    thanks = browser_client.get("/forms/thanks/")
    assert thanks.status_code == 200
    assert "Thank you" in thanks.content.decode()


def test_fields_sent_as_shown_make_no_proposal(browser_client, customer):
    _link, path = link_with_token(customer=customer, shared_fields=list(FORM_FIELDS))
    page = browser_client.get(path)

    response = browser_client.post(path, form_data(page))

    assert response.status_code == 302
    assert not Proposal.objects.exists()
    assert FormSubmission.objects.get().changed_fields == []


def test_the_form_needs_the_csrf_token_of_the_page(browser_client, link):
    form_link, path = link
    page = browser_client.get(path)
    before = stored()
    data = form_data(page, phone="0512-2222")
    del data["csrfmiddlewaretoken"]

    response = browser_client.post(path, data)

    assert response.status_code == 403
    assert stored() == before


def test_an_invalid_credit_code_comes_back_with_everything_typed(browser_client, link):
    _link, path = link
    page = browser_client.get(path)
    before = stored()

    response = browser_client.post(
        path,
        form_data(page, credit_code="91350100M000100Y44", phone="0512-2222", industry="零售"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The check character of this credit code should be 3." in html
    fields = fields_of(response)
    assert (fields["credit_code"], fields["phone"], fields["industry"]) == (
        "91350100M000100Y44",
        "0512-2222",
        "零售",
    )
    assert stored() == before


def test_a_too_long_value_comes_back_with_a_message_and_nothing_is_stored(browser_client, link):
    _link, path = link
    page = browser_client.get(path)
    before = stored()

    response = browser_client.post(path, form_data(page, short_name="长" * 61, phone="0512-2"))

    assert response.status_code == 200
    assert "Ensure this value has at most 60 characters (it has 61)." in response.content.decode()
    assert fields_of(response)["short_name"] == "长" * 61
    assert stored() == before


def test_a_bad_date_email_and_choice_come_back_with_messages(browser_client, link):
    _link, path = link
    page = browser_client.get(path)
    before = stored()

    response = browser_client.post(
        path,
        form_data(page, founded_on="2001-02-30", email="nobody", development_potential="huge"),
    )

    html = response.content.decode()
    assert "Enter a valid date." in html
    assert "Enter a valid email address." in html
    assert "Select a valid choice. huge is not one of the available choices." in html
    assert stored() == before


def test_a_shared_name_cannot_be_cleared(browser_client, customer):
    _link, path = link_with_token(customer=customer, shared_fields=["name"])
    page = browser_client.get(path)
    before = stored()

    response = browser_client.post(path, form_data(page, name=""))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert stored() == before


# Links that no longer work -----------------------------------------------------------------


def closed_link(customer, state: str):
    now = timezone.now()
    dates = {
        "submitted": {"submitted_at": now},
        "expired": {"expires_at": now - datetime.timedelta(minutes=1)},
        "revoked": {"revoked_at": now},
    }
    return link_with_token(customer=customer, **dates[state])


@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ("submitted", "This form was sent already"),
        ("expired", "This link has expired"),
        ("revoked", "This link no longer works"),
    ],
)
def test_a_used_expired_or_revoked_link_answers_410_and_stores_nothing(
    browser_client, customer, state, heading
):
    _link, path = closed_link(customer, state)
    open_path = link_with_token(customer=customer)[1]
    token = fields_of(browser_client.get(open_path))["csrfmiddlewaretoken"]
    before = stored()

    shown = browser_client.get(path)
    sent = browser_client.post(path, {"phone": "0512-9", "csrfmiddlewaretoken": token})

    assert (shown.status_code, sent.status_code) == (410, 410)
    assert heading in shown.content.decode()
    assert customer.name not in shown.content.decode()
    assert stored() == before


def test_a_sent_link_answers_410_afterwards(browser_client, link):
    _link, path = link
    page = browser_client.get(path)
    browser_client.post(path, form_data(page, phone="0512-2222"))
    before = stored()

    again = browser_client.post(path, form_data(page, phone="0512-3333"))

    assert again.status_code == 410
    assert browser_client.get(path).status_code == 410
    assert stored() == before


def test_a_made_up_token_answers_404_and_stores_nothing(browser_client, link):
    token = fields_of(browser_client.get(link[1]))["csrfmiddlewaretoken"]
    before = stored()

    shown = browser_client.get("/forms/f/made-up-token/")
    sent = browser_client.post(
        "/forms/f/made-up-token/", {"phone": "1", "csrfmiddlewaretoken": token}
    )

    assert (shown.status_code, sent.status_code) == (404, 404)
    assert "This link is not valid" in shown.content.decode()
    assert stored() == before


def test_an_archived_cards_link_answers_410(browser_client, customer):
    _link, path = link_with_token(customer=customer)
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)

    assert browser_client.get(path).status_code == 410


# Rate limits -------------------------------------------------------------------------------


def test_too_many_requests_from_one_address_answer_429(browser_client, customer, settings):
    settings.CUSTOMER_FORM_RATE_PER_ADDRESS = "3/10m"
    paths = [link_with_token(customer=customer)[1] for _ in range(4)]
    pages = [browser_client.get(path) for path in paths]
    answers = [page.status_code for page in pages]
    token = fields_of(pages[0])["csrfmiddlewaretoken"]
    before = stored()

    answers.append(
        browser_client.post(paths[0], {"phone": "1", "csrfmiddlewaretoken": token}).status_code
    )

    assert answers == [200, 200, 200, 429, 429]
    busy = browser_client.get("/forms/f/anything/")
    assert busy.status_code == 429
    assert "Too many attempts" in busy.content.decode()
    assert stored() == before


def test_too_many_requests_for_one_link_answer_429(customer, settings):
    settings.CUSTOMER_FORM_RATE_PER_LINK = "2/10m"
    _link, path = link_with_token(customer=customer)
    other = link_with_token(customer=customer)[1]
    addresses = ("203.0.113.1", "203.0.113.2", "203.0.113.3")

    answers = [Client(REMOTE_ADDR=address).get(path).status_code for address in addresses]

    assert answers == [200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.4").get(other).status_code == 200


def test_the_form_does_not_show_what_the_card_keeps_inside(browser_client, link):
    html = browser_client.get(link[1]).content.decode()

    for name in ("grade", "salesperson", "route", "credit_limit", "credit_rating", "code"):
        assert not re.search(rf'name="{name}"', html)
