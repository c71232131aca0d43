"""The salesperson's report pages: today's report, the list, a report, a visit with its
customer picker, proposed card updates and photos, the customer search, the home and card
panels. Every endpoint: the owner works, another salesperson gets 404, anonymous visitors
go to the login page, a wrong method is refused, a manager reads and cannot write."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classification.models import VisitFrequency
from customers.models import Channel, Customer, FieldProvenance
from review.models import Proposal
from review.services import proposal_accept, proposal_reject
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory
from tests.visits.factories import (
    PNG,
    ProposalFactory,
    VisitFactory,
    VisitReportFactory,
    png_upload,
)
from visits.models import Visit, VisitPhoto, VisitReport
from visits.services import photo_add, proposal_add, report_submit

pytestmark = pytest.mark.django_db

CLOSED = "This report was submitted and can no longer be changed."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def html_of(response) -> str:
    return response.content.decode()


def section(html: str, testid: str, end: str = "</section>") -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index(end, start)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE", name="苏州百货", phone="0512-1111", salesperson=salesperson
    )


@pytest.fixture
def report(salesperson):
    return VisitReportFactory(salesperson=salesperson, date=today())


@pytest.fixture
def visit(report, customer):
    return VisitFactory(report=report, customer=customer)


@pytest.fixture
def proposal(visit, salesperson):
    return proposal_add(visit=visit, field="phone", value="0512-2222", actor=salesperson)


@pytest.fixture
def photo(visit, salesperson):
    return photo_add(visit=visit, upload=png_upload(), kind="storefront", actor=salesperson)


def visit_post(customer, **overrides) -> dict:
    """A visit form as the page sends it; `customer` a card, "new" or None."""
    return {
        "customer": customer if isinstance(customer, str) else str(customer.pk) if customer else "",
        "time": "10:30",
        "kind": Visit.Kind.VISIT,
        "purpose": "送样品",
        "summary": "店主说下月要扩店",
        "situation": "生意兴旺",
        "next_steps": "下周送报价",
        "follow_up_on": days(5).isoformat(),
        "latitude": "",
        "longitude": "",
        **overrides,
    }


# Every endpoint's security -------------------------------------------------------------------

# name, the object it is called on, the method that works, a method that is refused
ENDPOINTS = [
    ("visits:today", None, "get", "post"),
    ("visits:report_list", None, "get", "post"),
    ("visits:report", "report", "get", "post"),
    ("visits:report_submit", "report", "post", "get"),
    ("visits:visit_create", "report", "get", "put"),
    ("visits:visit_create", "report", "post", "put"),
    ("visits:visit", "visit", "get", "delete"),
    ("visits:visit", "visit", "post", "delete"),
    ("visits:visit_delete", "visit", "post", "get"),
    ("visits:visit_autosave", "visit", "post", "get"),
    ("visits:proposal_create", "visit", "post", "get"),
    ("visits:proposal_value", "visit", "get", "post"),
    ("visits:proposal_withdraw", "proposal", "post", "get"),
    ("visits:photo_upload", "visit", "post", "get"),
    ("visits:photo", "photo", "get", "post"),
    ("visits:customer_search", None, "get", "post"),
]
WRITES = [endpoint for endpoint in ENDPOINTS if endpoint[2] == "post"]
ON_OBJECTS = [endpoint for endpoint in ENDPOINTS if endpoint[1]]


@pytest.fixture
def objects(report, visit, proposal, photo):
    return {"report": report, "visit": visit, "proposal": proposal, "photo": photo}


def url_of(name, target, objects) -> str:
    return reverse(name, args=[objects[target].pk]) if target else reverse(name)


def call(client, method, url, data=None):
    return getattr(client, method)(url, data or {})


def unchanged(objects) -> None:
    """Nothing that the security cases touch has moved."""
    report = VisitReport.objects.get(pk=objects["report"].pk)
    assert report.status == VisitReport.Status.DRAFT
    assert report.version == objects["report"].version
    assert Visit.objects.filter(pk=objects["visit"].pk, summary="店主说下月要扩店").exists()
    assert Proposal.objects.filter(pk=objects["proposal"].pk).exists()
    assert VisitPhoto.objects.count() == 1
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(("name", "target", "method", "wrong"), ENDPOINTS)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client, objects, name, target, method, wrong
):
    url = url_of(name, target, objects)
    response = call(client, method, url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    unchanged(objects)


@pytest.mark.parametrize(("name", "target", "method", "wrong"), ON_OBJECTS)
def test_another_salesperson_gets_404_and_changes_nothing(
    client, objects, other_salesperson, name, target, method, wrong
):
    client.force_login(other_salesperson)
    response = call(client, method, url_of(name, target, objects), visit_post(None))
    assert response.status_code == 404
    unchanged(objects)


@pytest.mark.parametrize(("name", "target", "method", "wrong"), ENDPOINTS)
def test_a_wrong_method_is_refused(client, objects, salesperson, name, target, method, wrong):
    client.force_login(salesperson)
    response = call(client, wrong, url_of(name, target, objects))
    assert response.status_code == 405
    unchanged(objects)


@pytest.mark.parametrize(("name", "target", "method", "wrong"), WRITES)
def test_a_manager_cannot_write(client, objects, manager, name, target, method, wrong):
    client.force_login(manager)
    response = call(
        client, method, url_of(name, target, objects), visit_post(objects["visit"].customer)
    )
    assert response.status_code == 403
    unchanged(objects)


def test_a_manager_reads_any_report_read_only(client, objects, manager, salesperson):
    client.force_login(manager)

    html = html_of(client.get(objects["report"].get_absolute_url()))

    assert 'data-testid="report-read-only"' in html
    assert salesperson.get_full_name() in section(html, "report-head", "</header>")
    assert "苏州百货" in html
    assert "0512-2222" in html
    for testid in ("add-visit", "submit-report", "open-visit"):
        assert f'data-testid="{testid}"' not in html
    assert client.get(reverse("visits:photo", args=[objects["photo"].pk])).status_code == 200
    # The visit's page is its author's: a manager is shown the visit on the report.
    response = client.get(reverse("visits:visit", args=[objects["visit"].pk]))
    assert response["Location"] == objects["visit"].get_absolute_url()


def test_a_manager_has_no_report_of_their_own_to_open(client, manager):
    client.force_login(manager)
    assert client.get(reverse("visits:today")).status_code == 403
    assert not VisitReport.objects.exists()


def test_the_owner_reaches_every_page(client, objects, salesperson):
    client.force_login(salesperson)
    for name, target, method, _wrong in ENDPOINTS:
        if method == "get":
            response = client.get(url_of(name, target, objects))
            assert response.status_code in (200, 302), name


# Today's report and the list -----------------------------------------------------------------


def test_today_opens_a_draft_report_for_today_once(client, salesperson):
    client.force_login(salesperson)

    first = client.get(reverse("visits:today"))
    second = client.get(reverse("visits:today"))

    report = VisitReport.objects.get()
    assert (report.salesperson, report.date, report.status) == (
        salesperson,
        today(),
        VisitReport.Status.DRAFT,
    )
    assert first["Location"] == second["Location"] == report.get_absolute_url()


def test_the_list_shows_own_reports_newest_first_with_state_and_counts(
    client, salesperson, other_salesperson
):
    old = VisitReportFactory(salesperson=salesperson, date=days(-3))
    visit = VisitFactory(report=old)
    proposal_add(visit=visit, field="phone", value="0755-1", actor=salesperson)
    accepted = proposal_add(visit=visit, field="short_name", value="百货", actor=salesperson)
    report_submit(report=old, actor=salesperson)
    Proposal.objects.filter(pk=accepted.pk).update(status=Proposal.Status.ACCEPTED)
    VisitFactory(report=old)
    newer = VisitReportFactory(salesperson=salesperson, date=days(-1))
    VisitReportFactory(salesperson=other_salesperson, date=days(-2))
    client.force_login(salesperson)

    html = html_of(client.get(reverse("visits:report_list")))

    assert re.findall(r'data-report="(\d+)"', html) == [str(newer.pk), str(old.pk)]
    rows = html.split('data-testid="report-row"')[1:]
    assert "Draft" in rows[0]
    assert "0 visits · 0 proposed updates" in rows[0]
    assert "Submitted" in rows[1]
    assert 'data-testid="report-late"' in rows[1]  # three days ago: after the deadline
    assert "2 visits · 2 proposed updates · 1 accepted" in rows[1]


@pytest.mark.parametrize("page_size", [5, 20])
def test_the_list_takes_a_fixed_number_of_queries(
    client, salesperson, django_assert_num_queries, page_size
):
    for number in range(25):
        report = VisitReportFactory(salesperson=salesperson, date=days(-number - 1))
        VisitFactory(report=report)
    client.force_login(salesperson)
    client.get(reverse("visits:report_list"))  # the session and roles, read once

    # session, user, roles; the count and the page of reports with their counts
    with django_assert_num_queries(5):
        html = html_of(client.get(reverse("visits:report_list"), {"page_size": page_size}))
    assert html.count('data-testid="report-row"') == page_size


# A report ------------------------------------------------------------------------------------


def test_the_report_page_shows_visits_proposals_in_words_and_the_deadline(
    client, salesperson, visit, photo
):
    proposal_add(visit=visit, field="development_potential", value="high", actor=salesperson)
    proposal_add(
        visit=visit,
        field="region",
        value=RegionFactory(code="R-X", name="苏州").code,
        actor=salesperson,
    )
    client.force_login(salesperson)

    html = html_of(client.get(visit.report.get_absolute_url()))

    assert f'id="visit-{visit.pk}"' in html
    proposals = section(html, "visit", "</article>")
    assert "Development potential" in proposals
    assert re.search(r"—</span>.*?<ins[^>]*>High</ins>", proposals, re.S)
    assert ">苏州</ins>" in proposals
    assert reverse("visits:photo", args=[photo.pk]) in html
    deadline = timezone.localtime(
        timezone.make_aware(datetime.datetime.combine(days(1), datetime.time(10)))
    )
    assert f'datetime="{deadline.isoformat()}"' in html
    assert 'data-testid="report-late"' not in html
    assert 'data-testid="add-visit"' in html
    assert 'data-testid="submit-report"' in html


def test_a_draft_past_its_deadline_says_it_is_late(client, salesperson):
    report = VisitReportFactory(salesperson=salesperson, date=days(-2))
    client.force_login(salesperson)

    html = html_of(client.get(report.get_absolute_url()))

    assert "Late: past the deadline" in html
    assert 'data-testid="report-overdue"' in html


@pytest.mark.parametrize("visits", [2, 6])
def test_the_report_page_takes_a_fixed_number_of_queries(
    client, salesperson, report, django_assert_num_queries, visits
):
    region = RegionFactory(code="R-Q")
    for number in range(visits):
        visit = VisitFactory(report=report)
        proposal_add(visit=visit, field="phone", value=f"0755-{number}", actor=salesperson)
        proposal_add(visit=visit, field="region", value=region.code, actor=salesperson)
        photo_add(visit=visit, upload=png_upload(), kind="shelf", actor=salesperson)
    client.force_login(salesperson)
    client.get(report.get_absolute_url())

    # session, user, roles; the report, its visits, their photos, their proposals, the
    # regions named in them
    with django_assert_num_queries(8):
        html = html_of(client.get(report.get_absolute_url()))
    assert html.count('data-testid="visit"') == visits


def test_submitting_hands_the_report_in(client, salesperson, proposal):
    report = proposal.source.report
    client.force_login(salesperson)

    response = client.post(reverse("visits:report_submit", args=[report.pk]))

    report.refresh_from_db()
    assert response["Location"] == report.get_absolute_url()
    assert (report.status, report.late) == (VisitReport.Status.SUBMITTED, False)
    assert list(Proposal.objects.pending()) == [proposal]
    assert messages_of(response) == ["The report was submitted."]


def test_a_late_submission_is_marked_and_told(client, salesperson):
    report = VisitReportFactory(salesperson=salesperson, date=days(-3))
    client.force_login(salesperson)

    response = client.post(reverse("visits:report_submit", args=[report.pk]), follow=True)

    report.refresh_from_db()
    assert report.late
    assert "marked late" in html_of(response)
    assert 'data-testid="report-late"' in html_of(response)


def test_a_submitted_report_refuses_every_change(client, salesperson, objects, customer):
    report = objects["report"]
    report_submit(report=report, actor=salesperson)
    before = VisitReport.objects.get(pk=report.pk)
    visit, proposal = objects["visit"], objects["proposal"]
    client.force_login(salesperson)
    attempts = [
        (reverse("visits:visit_create", args=[report.pk]), visit_post(customer)),
        (reverse("visits:visit", args=[visit.pk]), visit_post(customer, summary="改了")),
        (reverse("visits:visit_delete", args=[visit.pk]), {}),
        (
            reverse("visits:proposal_create", args=[visit.pk]),
            {"proposal-field": "phone", "proposal-value": "0512-3333"},
        ),
        (reverse("visits:proposal_withdraw", args=[proposal.pk]), {}),
        (reverse("visits:report_submit", args=[report.pk]), {}),
    ]

    for url, data in attempts:
        response = client.post(url, data, follow=True)
        assert response.redirect_chain[-1][0] == report.get_absolute_url(), url
        assert CLOSED in html_of(response), url

    photo = client.post(
        reverse("visits:photo_upload", args=[visit.pk]),
        {"photo-kind": "shelf", "photo-file": png_upload()},
    )
    assert photo["Location"] == report.get_absolute_url()
    after = VisitReport.objects.get(pk=report.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert list(Visit.objects.values_list("summary", flat=True)) == ["店主说下月要扩店"]
    assert list(Proposal.objects.values_list("value", flat=True)) == ["0512-2222"]
    assert VisitPhoto.objects.count() == 1
    # The author reads it without the means to change it, and is told why.
    html = html_of(client.get(report.get_absolute_url()))
    assert 'data-testid="report-closed"' in html
    assert 'data-testid="add-visit"' not in html
    assert (
        client.get(reverse("visits:visit", args=[visit.pk]))["Location"] == visit.get_absolute_url()
    )


# Adding and changing a visit -----------------------------------------------------------------


@pytest.fixture
def todays_route(salesperson):
    return RouteFactory(
        code="SZ-1",
        region=RegionFactory(code="SZ"),
        salesperson=salesperson,
        visit_frequency=VisitFrequency.WEEKLY,
        first_visit_on=days(-14),
    )


def test_the_new_visit_form_offers_todays_route_stops_in_order(
    client, salesperson, report, todays_route
):
    second = CustomerFactory(
        code="S2", route=todays_route, route_position=2, salesperson=salesperson
    )
    first = CustomerFactory(
        code="S1", route=todays_route, route_position=1, salesperson=salesperson
    )
    VisitFactory(report=report, customer=second)
    client.force_login(salesperson)

    html = html_of(client.get(reverse("visits:visit_create", args=[report.pk])))

    picker = html[html.index('data-testid="customer-picker"') :]
    assert re.findall(r'data-customer="([^"]+)"', picker) == ["S1", "S2"]
    assert f'value="{first.pk}"' in picker
    assert "Visited" in picker.split('data-customer="S2"')[1].split("</label>")[0]
    assert 'value="new"' in picker


def test_a_visit_is_added_through_the_service_and_opens_for_proposals(
    client, salesperson, report, customer
):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:visit_create", args=[report.pk]),
        visit_post(customer, latitude="31.300000", longitude="120.600000"),
    )

    visit = Visit.objects.get()
    assert response["Location"] == reverse("visits:visit", args=[visit.pk])
    assert (visit.report, visit.customer, visit.time) == (report, customer, datetime.time(10, 30))
    assert (visit.summary, visit.next_steps, visit.follow_up_on) == (
        "店主说下月要扩店",
        "下周送报价",
        days(5),
    )
    assert visit.latitude == Decimal("31.300000")
    assert visit.checked_in_at is not None


def test_a_form_with_an_error_keeps_everything_typed(client, salesperson, report, customer):
    client.force_login(salesperson)
    typed = visit_post(
        customer,
        kind=Visit.Kind.COMPLAINT,
        follow_up_on="2026-02-30",
        latitude="31.300000",
        longitude="120.600000",
    )

    response = client.post(reverse("visits:visit_create", args=[report.pk]), typed)

    assert response.status_code == 200
    html = html_of(response)
    assert not Visit.objects.exists()
    assert 'value="2026-02-30"' in html
    for value in ("10:30", "送样品", "31.300000", "120.600000"):
        assert f'value="{value}"' in html
    for text in ("店主说下月要扩店", "生意兴旺", "下周送报价"):
        assert f">\n{text}</textarea>" in html
    assert re.search(r'value="complaint"[^>]*checked', html)
    picked = section(html, "customer-picked", "</div>")
    assert re.search(rf'value="{customer.pk}"\s+checked', picked)


def test_a_visit_needs_a_customer_and_keeps_the_prospect_typed(client, salesperson, report):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:visit_create", args=[report.pk]),
        visit_post("new", prospect_name="", prospect_phone="139 0000 1111"),
    )
    html = html_of(response)
    assert "Enter the new prospect&#x27;s name." in html
    assert 'value="139 0000 1111"' in html
    assert re.search(r'value="new"\s+checked', html)

    response = client.post(reverse("visits:visit_create", args=[report.pk]), visit_post(None))
    assert "Pick the customer you visited, or add a new prospect." in html_of(response)
    assert not Visit.objects.exists()
    assert not Customer.objects.exists()


def test_another_salespersons_customer_cannot_be_picked(
    client, salesperson, report, other_salesperson
):
    theirs = CustomerFactory(salesperson=other_salesperson)
    client.force_login(salesperson)

    response = client.post(reverse("visits:visit_create", args=[report.pk]), visit_post(theirs))

    assert "Pick one of your customers." in html_of(response)
    assert not Visit.objects.exists()


def test_a_new_prospect_is_created_through_the_card_service(client, salesperson, report, settings):
    settings.CUSTOMER_CODE_PREFIX = "KH"
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:visit_create", args=[report.pk]),
        visit_post("new", prospect_name="新开小卖部", prospect_phone="13900001111"),
    )

    prospect = Customer.objects.get()
    visit = Visit.objects.get()
    assert response["Location"] == reverse("visits:visit", args=[visit.pk])
    assert visit.customer == prospect
    assert (prospect.name, prospect.phone, prospect.salesperson) == (
        "新开小卖部",
        "13900001111",
        salesperson,
    )
    assert prospect.code == "KH00001"  # numbered, as a card typed without a code
    assert prospect.first_sale_on is None  # a prospect
    assert prospect.history.get().history_channel == Channel.VISIT
    provenance = FieldProvenance.objects.get(customer=prospect, field_name="phone")
    assert (provenance.channel, provenance.verified, provenance.source) == (
        Channel.VISIT,
        False,
        report,
    )


def test_a_prospect_like_an_existing_card_asks_first(client, salesperson, report, customer):
    client.force_login(salesperson)
    data = visit_post("new", prospect_name="另一家", prospect_phone=customer.phone)

    response = client.post(reverse("visits:visit_create", args=[report.pk]), data)

    html = html_of(response)
    duplicates = section(html, "prospect-duplicates", "</div>")
    assert f'value="{customer.pk}"' in duplicates  # theirs: they may pick it instead
    assert Customer.objects.count() == 1
    assert not Visit.objects.exists()

    client.post(reverse("visits:visit_create", args=[report.pk]), {**data, "prospect_anyway": "on"})
    assert Customer.objects.filter(name="另一家").exists()
    assert Visit.objects.get().customer.name == "另一家"


def test_a_visit_is_changed_with_only_what_the_page_sent(client, salesperson, visit):
    client.force_login(salesperson)
    page = client.get(reverse("visits:visit", args=[visit.pk]))
    assert page.status_code == 200

    response = client.post(
        reverse("visits:visit", args=[visit.pk]),
        visit_post(visit.customer, time="10:00", purpose="例行拜访", kind="phone", summary="改了"),
    )

    visit.refresh_from_db()
    assert response["Location"] == reverse("visits:visit", args=[visit.pk])
    assert (visit.kind, visit.summary, visit.follow_up_on) == ("phone", "改了", days(5))


def test_removing_a_visit_takes_its_proposals_and_photos(client, salesperson, objects):
    client.force_login(salesperson)

    response = client.post(reverse("visits:visit_delete", args=[objects["visit"].pk]))

    assert response["Location"] == objects["report"].get_absolute_url()
    assert not Visit.objects.exists()
    assert not Proposal.objects.exists()
    assert not VisitPhoto.objects.exists()


def test_notes_are_saved_as_they_are_typed_and_only_those_sent(client, salesperson, visit):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:visit_autosave", args=[visit.pk]), {"summary": "边走边记"}
    )

    assert response.status_code == 200
    assert "saved_at" in response.json()
    visit.refresh_from_db()
    assert (visit.summary, visit.purpose) == ("边走边记", "例行拜访")


# The customer search -------------------------------------------------------------------------


def test_the_search_answers_with_the_users_own_active_customers_only(
    client, salesperson, other_salesperson
):
    CustomerFactory(code="ZX-01", name="B 中兴五金", phone="0512-7000", salesperson=salesperson)
    CustomerFactory(code="AB-02", name="A 老中兴批发", phone="0512-7001", salesperson=salesperson)
    CustomerFactory(code="CD-03", name="C 商店", phone="0512-7002", salesperson=salesperson)
    CustomerFactory(code="ZX-09", name="中兴别家", salesperson=other_salesperson)
    CustomerFactory(
        code="ZX-08", name="中兴旧店", salesperson=salesperson, status=Customer.Status.ARCHIVED
    )
    client.force_login(salesperson)

    def found(query):
        html = html_of(client.get(reverse("visits:customer_search"), {"q": query}))
        return re.findall(r'data-customer="([^"]+)"', html)

    assert found("zx") == ["ZX-01"]
    assert found("中兴") == ["AB-02", "ZX-01"]  # by name
    assert found("b") == ["ZX-01"]  # a name that starts with it
    assert found("0512-700") == ["AB-02", "ZX-01", "CD-03"]
    assert found("   ") == []
    assert "None of your customers matches" in html_of(
        client.get(reverse("visits:customer_search"), {"q": "nope"})
    )


@pytest.mark.parametrize("matching", [3, 30])
def test_the_search_takes_one_query_and_answers_at_most_20(
    client, salesperson, django_assert_num_queries, matching
):
    for number in range(matching):
        CustomerFactory(code=f"Q-{number:03d}", salesperson=salesperson)
    client.force_login(salesperson)
    client.get(reverse("visits:customer_search"), {"q": "Q-"})

    with django_assert_num_queries(4):  # session, user, roles; the search
        html = html_of(client.get(reverse("visits:customer_search"), {"q": "q-"}))
    assert html.count('data-testid="customer-option"') == min(matching, 20)


# Proposed card updates -----------------------------------------------------------------------


def test_choosing_a_field_shows_its_input_and_the_cards_value_in_words(client, salesperson, visit):
    visit.customer.development_potential = Customer.Level.LOW
    visit.customer.save()
    client.force_login(salesperson)
    url = reverse("visits:proposal_value", args=[visit.pk])

    phone = html_of(client.get(url, {"proposal-field": "phone"}))
    potential = html_of(client.get(url, {"proposal-field": "development_potential"}))
    incident = html_of(client.get(url, {"proposal-field": "credit_incident"}))

    assert "<strong>0512-1111</strong>" in phone
    assert 'type="tel" name="proposal-value"' in phone
    assert "<strong>Low</strong>" in potential
    assert '<option value="high">High</option>' in potential
    assert 'name="proposal-incident_description"' in incident
    assert f'value="{visit.report.date.isoformat()}"' in incident


def test_the_field_list_is_grouped_by_the_cards_sections(client, salesperson, visit):
    client.force_login(salesperson)
    html = html_of(client.get(reverse("visits:visit", args=[visit.pk])))
    select = html[html.index('data-testid="proposal-field"') :]
    select = select[: select.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[:4] == ["Basic data", "Characteristics", "Business status", "Transaction status"]
    basic = select.split('<optgroup label="Basic data">')[1].split("</optgroup>")[0]
    assert '<option value="phone">Phone</option>' in basic
    assert '<option value="contact">New contact</option>' in basic
    assert '<option value="code"' not in select and '<option value="salesperson"' not in select


def test_a_proposal_is_added_and_listed_beside_the_cards_value(client, salesperson, visit):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:proposal_create", args=[visit.pk]),
        {"proposal-field": "phone", "proposal-value": "0512-9999"},
        HTTP_HX_REQUEST="true",
    )

    proposal = Proposal.objects.get()
    assert (proposal.field, proposal.value, proposal.base_value) == (
        "phone",
        "0512-9999",
        "0512-1111",
    )
    assert (proposal.channel, proposal.source, proposal.filed_at) == (Channel.VISIT, visit, None)
    fragment = html_of(response)
    assert fragment.startswith('<section class="card" id="proposals"')
    assert 'data-testid="proposal-added"' in fragment
    assert "0512-1111" in fragment and "0512-9999" in fragment


def test_a_new_contact_and_a_credit_concern_are_proposed_with_their_fields(
    client, salesperson, visit
):
    client.force_login(salesperson)
    url = reverse("visits:proposal_create", args=[visit.pk])

    client.post(
        url,
        {
            "proposal-field": "contact",
            "proposal-contact_name": "王经理",
            "proposal-contact_mobile": "13800000000",
        },
    )
    client.post(
        url,
        {
            "proposal-field": "credit_incident",
            "proposal-incident_occurred_on": today().isoformat(),
            "proposal-incident_kind": "other",
            "proposal-incident_description": "credit concern",
        },
    )

    contact, incident = Proposal.objects.order_by("pk")
    assert contact.value == {"name": "王经理", "mobile": "13800000000"}
    assert incident.value == {
        "occurred_on": today().isoformat(),
        "kind": "other",
        "description": "credit concern",
    }


def test_a_proposal_with_an_error_keeps_what_was_typed(client, salesperson, visit):
    client.force_login(salesperson)
    url = reverse("visits:proposal_create", args=[visit.pk])

    same = html_of(client.post(url, {"proposal-field": "phone", "proposal-value": "0512-1111"}))
    bad = html_of(client.post(url, {"proposal-field": "credit_limit", "proposal-value": "-5"}))

    assert "This is the card&#x27;s value already." in same
    assert 'value="-5"' in bad
    assert "greater than or equal to 0" in bad
    assert not Proposal.objects.exists()


def test_proposing_for_a_customer_no_longer_yours_is_refused(
    client, salesperson, other_salesperson, visit
):
    Customer.objects.filter(pk=visit.customer_id).update(salesperson=other_salesperson)
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:proposal_create", args=[visit.pk]),
        {"proposal-field": "phone", "proposal-value": "0512-9999"},
    )

    assert "This customer is not one of yours." in html_of(response)
    assert not Proposal.objects.exists()


def test_a_proposal_is_withdrawn_while_the_report_is_a_draft(client, salesperson, proposal):
    client.force_login(salesperson)

    response = client.post(reverse("visits:proposal_withdraw", args=[proposal.pk]))

    assert response["Location"].endswith("#proposals")
    assert not Proposal.objects.exists()


# Photos --------------------------------------------------------------------------------------


def test_a_photo_is_stored_and_served_to_those_who_read_the_report(client, salesperson, visit):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:photo_upload", args=[visit.pk]),
        {"photo-kind": "shelf", "photo-file": png_upload("shelf.png")},
    )

    photo = VisitPhoto.objects.get()
    assert response["Location"].endswith("#photos")
    assert (photo.visit, photo.kind, photo.content_type) == (visit, "shelf", "image/png")
    served = client.get(reverse("visits:photo", args=[photo.pk]))
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG


def test_a_file_that_is_not_an_image_or_pdf_is_refused(client, salesperson, visit):
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:photo_upload", args=[visit.pk]),
        {"photo-kind": "shelf", "photo-file": png_upload("note.png", b"just text, named .png")},
    )

    assert response.status_code == 200
    assert "Upload a JPEG or PNG photo or a PDF document." in html_of(response)
    assert not VisitPhoto.objects.exists()


def test_a_file_too_big_is_refused(client, salesperson, visit, settings):
    settings.VISIT_PHOTO_MAX_BYTES = 1_048_576
    client.force_login(salesperson)

    response = client.post(
        reverse("visits:photo_upload", args=[visit.pk]),
        {"photo-kind": "shelf", "photo-file": png_upload("big.png", PNG + b"\0" * 1_200_000)},
    )

    assert "at most 1 MB are accepted" in html_of(response)
    assert not VisitPhoto.objects.exists()


# The home page -------------------------------------------------------------------------------


def test_home_opens_todays_report_in_one_tap(client, salesperson):
    client.force_login(salesperson)

    panel = section(html_of(client.get("/")), "home-report")

    assert "Not started" in panel
    assert f'href="{reverse("visits:today")}"' in panel
    assert not VisitReport.objects.exists()  # reading the home page creates nothing


def test_home_shows_todays_report_and_earlier_drafts(client, salesperson, visit):
    VisitFactory(report=visit.report)
    earlier = VisitReportFactory(salesperson=salesperson, date=days(-1))
    client.force_login(salesperson)

    panel = section(html_of(client.get("/")), "home-report")

    assert "Draft" in panel
    assert "2 visits so far" in panel
    assert earlier.get_absolute_url() in panel


def test_home_lists_follow_ups_due_within_a_week_not_followed_by_a_later_visit(
    client, salesperson, other_salesperson
):
    old_report = VisitReportFactory(salesperson=salesperson, date=days(-10))
    report = VisitReportFactory(salesperson=salesperson, date=days(-2))
    soon = VisitFactory(
        report=report,
        customer=CustomerFactory(code="SOON", salesperson=salesperson),
        follow_up_on=days(7),
    )
    VisitFactory(
        report=report,
        customer=CustomerFactory(code="LATER", salesperson=salesperson),
        follow_up_on=days(8),
    )
    overdue = VisitFactory(
        report=old_report,
        customer=CustomerFactory(code="OVERDUE", salesperson=salesperson),
        follow_up_on=days(-3),
        next_steps="催款",
    )
    answered = CustomerFactory(code="ANSWERED", salesperson=salesperson)
    VisitFactory(report=old_report, customer=answered, follow_up_on=days(1))
    VisitFactory(report=report, customer=answered)  # a later visit followed it up
    reassigned = CustomerFactory(code="GONE", salesperson=other_salesperson)
    VisitFactory(report=report, customer=reassigned, follow_up_on=days(1))
    client.force_login(salesperson)

    panel = section(html_of(client.get("/")), "home-visit-follow-ups")

    assert re.findall(r'data-customer="([^"]+)"', panel) == ["OVERDUE", "SOON"]
    assert re.findall(r'data-follow-up="(\d+)"', panel) == [str(overdue.pk), str(soon.pk)]
    assert "催款" in panel
    assert "overdue" in panel


def test_home_lists_own_proposals_decided_in_the_last_14_days(
    client, salesperson, manager, other_salesperson
):
    accepted = ProposalFactory(
        source=VisitFactory(report=VisitReportFactory(salesperson=salesperson)), value="0755-7"
    )
    rejected = ProposalFactory(
        source=VisitFactory(report=VisitReportFactory(salesperson=salesperson, date=days(-1)))
    )
    proposal_accept(proposal=accepted, actor=manager)
    proposal_reject(proposal=rejected, actor=manager, comment="号码不对")
    old = ProposalFactory(
        source=VisitFactory(report=VisitReportFactory(salesperson=salesperson, date=days(-30)))
    )
    proposal_reject(proposal=old, actor=manager)
    Proposal.objects.filter(pk=old.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=15)
    )
    ProposalFactory(
        source=VisitFactory(report=VisitReportFactory(salesperson=salesperson, date=days(-2)))
    )
    theirs = ProposalFactory(
        source=VisitFactory(report=VisitReportFactory(salesperson=other_salesperson))
    )
    proposal_accept(proposal=theirs, actor=manager)
    client.force_login(salesperson)

    panel = section(html_of(client.get("/")), "home-proposals-decided")

    assert set(re.findall(r'data-proposal="(\d+)"', panel)) == {str(accepted.pk), str(rejected.pk)}
    assert "Accepted" in panel and "Rejected" in panel
    assert "号码不对" in panel
    assert "Phone: 0755-7" in panel


# The card ------------------------------------------------------------------------------------


def test_the_card_shows_its_visit_history_newest_first_and_the_next_follow_up(
    client, salesperson, customer, other_salesperson
):
    first = VisitFactory(
        report=VisitReportFactory(salesperson=salesperson, date=days(-9)),
        customer=customer,
        summary="第一次",
    )
    report_submit(report=first.report, actor=salesperson)
    latest = VisitFactory(
        report=VisitReportFactory(salesperson=salesperson, date=days(-1)),
        customer=customer,
        kind=Visit.Kind.PHONE,
        next_steps="带合同",
        follow_up_on=days(3),
    )
    client.force_login(salesperson)

    panel = section(html_of(client.get(customer.get_absolute_url())), "card-visits")

    assert re.findall(r'data-visit="(\d+)"', panel) == [str(latest.pk), str(first.pk)]
    assert "Phone call" in panel and "带合同" in panel and "第一次" in panel
    assert salesperson.get_full_name() in panel
    follow_up = section(panel + "</section>", "card-next-follow-up", "</p>")
    assert "带合同" in follow_up


def test_the_card_hides_another_salespersons_draft_visits(client, manager, customer, salesperson):
    draft = VisitFactory(report=VisitReportFactory(salesperson=salesperson), customer=customer)
    client.force_login(manager)
    panel = section(html_of(client.get(customer.get_absolute_url())), "card-visits")
    assert f'data-visit="{draft.pk}"' not in panel
    assert "No visits recorded yet." in panel


def card_queries(client, customer) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(customer.get_absolute_url()).status_code == 200
    return len(queries)


def test_the_card_panel_queries_do_not_grow_with_the_visits(client, manager, customer, salesperson):
    def add_visits(count, start):
        for number in range(start, start + count):
            report = VisitReportFactory(salesperson=salesperson, date=days(-number - 1))
            VisitFactory(report=report, customer=customer)
            report_submit(report=report, actor=salesperson)

    add_visits(2, 0)
    client.force_login(manager)
    client.get(customer.get_absolute_url())
    few = card_queries(client, customer)
    add_visits(12, 2)

    assert card_queries(client, customer) == few
    html = html_of(client.get(customer.get_absolute_url()))
    assert html.count("data-visit=") == 10
    assert "The latest 10 of 14 visits." in html
