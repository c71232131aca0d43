"""The admin of the visit reports: read-only pages (the services write reports, visits and
photos), a constant number of queries per list, and the one scoping rule."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from visits.models import Visit, VisitReport
from visits.services import photo_add, report_create, report_submit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 30)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_sales_client(client, salesperson):
    """A salesperson made staff: the sales role's permissions on visit reports, in the admin."""
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    client.force_login(salesperson)
    return client


def a_report(salesperson, *, day=DAY, visits=1, submit=True) -> VisitReport:
    """A report of `visits` visits to the salesperson's customers, made by the services."""
    report = report_create(
        salesperson=salesperson,
        day=day,
        visits=[
            {
                "customer": CustomerFactory(salesperson=salesperson),
                "time": datetime.time(9 + number, 0),
                "kind": Visit.Kind.VISIT,
                "purpose": "例行拜访",
                "next_steps": "下周送样品",
            }
            for number in range(visits)
        ],
    )
    if submit:
        report = report_submit(report=report, actor=salesperson)
    return report


def queries(client, url) -> int:
    client.get(url)  # Django's caches (content types) filled, as on a running server
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_report_and_visit_lists_run_a_constant_number_of_queries(admin_client):
    a_report(UserFactory(role="sales"), visits=1)
    urls = [admin_url(VisitReport, "changelist"), admin_url(Visit, "changelist")]
    few = [queries(admin_client, url) for url in urls]

    for offset in range(1, 5):
        a_report(UserFactory(role="sales"), day=DAY - datetime.timedelta(days=offset), visits=3)

    assert [queries(admin_client, url) for url in urls] == few
    rows = admin_client.get(urls[0]).context["cl"].result_list
    assert len(rows) == 5
    assert sorted(report.visits_count for report in rows) == [1, 3, 3, 3, 3]


def test_a_report_page_shows_its_visits_in_a_constant_number_of_queries(admin_client):
    one = a_report(UserFactory(role="sales"), visits=1)
    many = a_report(UserFactory(role="sales"), visits=4)

    assert queries(admin_client, admin_url(VisitReport, "change", one.pk)) == queries(
        admin_client, admin_url(VisitReport, "change", many.pk)
    )
    response = admin_client.get(admin_url(VisitReport, "change", many.pk))
    assert response.content.decode().count("下周送样品") == 4


def test_report_filters_and_search_answer(admin_client):
    submitted = a_report(UserFactory(role="sales", username="wangwei"))
    a_report(UserFactory(role="sales", username="lina"), submit=False)
    changelist = admin_url(VisitReport, "changelist")

    for params, expected in (
        ({"status__exact": submitted.status}, ["wangwei"]),
        ({"status__exact": VisitReport.Status.DRAFT}, ["lina"]),
        ({"late__exact": "1"}, ["wangwei"]),  # submitted long after its day
        ({"q": "wangwei"}, ["wangwei"]),
        ({"date__gte": "2026-11-30", "date__lt": "2026-12-01"}, ["lina", "wangwei"]),
    ):
        rows = admin_client.get(changelist, params).context["cl"].result_list
        assert sorted(report.salesperson.username for report in rows) == expected


def test_a_visit_page_shows_its_photos(admin_client, salesperson, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = a_report(salesperson, submit=False)
    visit = report.visits.get()
    photo_add(
        visit=visit,
        upload=SimpleUploadedFile("shop.png", PNG, content_type="image/png"),
        kind="storefront",
        actor=salesperson,
    )

    response = admin_client.get(admin_url(Visit, "change", visit.pk))

    assert response.status_code == 200
    assert "shop" in response.content.decode()
    assert "image/png" in response.content.decode()


def test_nobody_adds_changes_or_deletes_reports_or_visits_in_the_admin(admin_client):
    report = a_report(UserFactory(role="sales"), submit=False)
    visit = report.visits.get()

    for model, obj in ((VisitReport, report), (Visit, visit)):
        assert admin_client.get(admin_url(model, "add")).status_code == 403
        assert (
            admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code
            == 403
        )
        changelist = admin_client.get(admin_url(model, "changelist"))
        assert changelist.context["action_form"] is None  # no bulk delete either
    response = admin_client.post(
        admin_url(VisitReport, "change", report.pk),
        {"status": VisitReport.Status.SUBMITTED, "late": "on", "_save": "Save"},
    )
    assert response.status_code == 403
    response = admin_client.post(
        admin_url(Visit, "change", visit.pk), {"purpose": "改了", "_save": "Save"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    visit.refresh_from_db()
    assert (report.status, report.late, report.version) == (VisitReport.Status.DRAFT, False, 2)
    assert visit.purpose == "例行拜访"
    assert VisitReport.objects.count() == Visit.objects.count() == 1


def test_a_staff_salesperson_sees_only_their_own_reports_and_visits(
    staff_sales_client, salesperson, other_salesperson
):
    own = a_report(salesperson)
    other = a_report(other_salesperson)

    for model, visible, hidden in (
        (VisitReport, own, other),
        (Visit, own.visits.get(), other.visits.get()),
    ):
        changelist = staff_sales_client.get(admin_url(model, "changelist"))
        assert [row.pk for row in changelist.context["cl"].result_list] == [visible.pk]
        assert staff_sales_client.get(admin_url(model, "change", visible.pk)).status_code == 200
        # The admin's answer to a row outside the queryset: back to the list, "not found".
        assert staff_sales_client.get(admin_url(model, "change", hidden.pk)).status_code == 302
        assert staff_sales_client.get(admin_url(model, "add")).status_code == 403


def test_a_manager_sees_everybodys_reports(client, manager, salesperson, other_salesperson):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    reports = {a_report(salesperson).pk, a_report(other_salesperson).pk}

    changelist = client.get(admin_url(VisitReport, "changelist"))

    assert {row.pk for row in changelist.context["cl"].result_list} == reports
