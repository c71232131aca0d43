"""The read replica: the analyses (report pages, report API, audit pages) read from it; every
write, and every other page, uses the primary and asks nothing of the replica."""

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache.backends.db import DatabaseCache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive_crm.db import REPLICA, analysis_reads
from archive_crm.routers import ReplicaRouter
from customers.models import Channel, Customer
from customers.services import card_update
from sales.models import SalesRecord
from tests.accounts.test_settings import run
from tests.customers.factories import CustomerFactory, grade
from tests.customers.test_api import as_user
from tests.customers.test_views import edit_form
from tests.review.test_api import accept, filed
from tests.sales.factories import SalesRecordFactory

User = get_user_model()

SALES = SalesRecord._meta.db_table
HISTORY = Customer.history.model._meta.db_table
DAY = datetime.date(2026, 3, 2)
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-03-31"}

# The replica is a second connection to the test database: what a test writes must be
# committed for it to see, as it is from a real replica.
on_both = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", REPLICA]
)


def queried(request):
    """Runs `request()`; its answer and the SQL each database ran for it."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = request()
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def touching(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if f'"{table}"' in sql]


# The settings ------------------------------------------------------------------------------


def database_settings(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "replica = settings.DATABASES.get('replica');"
        "print(json.dumps({'routers': settings.DATABASE_ROUTERS, 'replica': replica and"
        " {k: str(replica.get(k)) for k in ('ENGINE', 'NAME', 'HOST', 'CONN_MAX_AGE')},"
        " 'mirror': replica and replica['TEST'].get('MIRROR')}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_one_database_and_no_router():
    assert database_settings(DATABASE_REPLICA_URL="") == {
        "routers": [],
        "replica": None,
        "mirror": None,
    }


def test_a_replica_url_adds_the_replica_its_router_and_a_test_mirror():
    values = database_settings(
        DATABASE_URL="postgres://crm:pw@db.internal:5432/archive",
        DATABASE_REPLICA_URL="postgres://crm:pw@replica.internal:5432/archive",
        CONN_MAX_AGE="60",
    )
    assert values == {
        "routers": ["archive_crm.routers.ReplicaRouter"],
        "replica": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "archive",
            "HOST": "replica.internal",
            "CONN_MAX_AGE": "60",
        },
        # The tests run it as a second connection to the one test database.
        "mirror": "default",
    }


# The router's choices ------------------------------------------------------------------------


def test_without_a_replica_the_router_leaves_every_choice_to_django(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA, raising=False)
    router = ReplicaRouter()
    with analysis_reads():
        assert router.db_for_read(SalesRecord) is None
        assert router.db_for_write(SalesRecord) is None
    assert router.allow_migrate("default", "sales") is None


def test_analysis_reads_go_to_the_replica_and_everything_else_to_the_primary(replica):
    router = ReplicaRouter()
    assert router.db_for_read(SalesRecord) == "default"
    with analysis_reads():
        assert router.db_for_read(SalesRecord) == REPLICA
        assert router.db_for_write(SalesRecord) == "default"
        # Rate-limit counts in the database cache are read where they are written.
        cache_entry = DatabaseCache("archive_crm_cache", {}).cache_model_class
        assert router.db_for_read(cache_entry) == "default"
    assert router.db_for_read(SalesRecord) == "default"
    assert router.db_for_write(SalesRecord) == "default"


def test_only_the_primary_is_migrated_and_objects_relate_across_both(replica):
    router = ReplicaRouter()
    assert router.allow_migrate("default", "sales", "salesrecord") is True
    assert router.allow_migrate(REPLICA, "sales", "salesrecord") is False
    on_primary, on_replica = User(), User()
    on_primary._state.db, on_replica._state.db = "default", REPLICA
    assert router.allow_relation(on_primary, on_replica) is True
    elsewhere = User()
    elsewhere._state.db = "other"
    assert router.allow_relation(on_primary, elsewhere) is None


def test_the_marking_ends_with_its_block_even_on_an_error(replica):
    router = ReplicaRouter()
    with pytest.raises(ZeroDivisionError), analysis_reads():
        1 / 0  # noqa: B018
    assert router.db_for_read(SalesRecord) == "default"


# Requests ----------------------------------------------------------------------------------


@pytest.fixture
def sale(salesperson):
    customer = CustomerFactory(code="R1", salesperson=salesperson, grade=grade("key"))
    return SalesRecordFactory(customer=customer, date=DAY, amount=Decimal("1234.50"))


@on_both
def test_a_report_page_reads_its_figures_from_the_replica(client, replica, manager, sale):
    client.force_login(manager)
    url = reverse("reports:sales-composition")

    response, primary, replica_sql = queried(lambda: client.get(url, PERIOD))

    assert response.status_code == 200
    assert "1,234.50" in response.content.decode()
    assert touching(replica_sql, SALES)
    assert touching(primary, SALES) == []


@on_both
def test_a_report_export_reads_from_the_replica(client, replica, manager, sale):
    client.force_login(manager)
    url = reverse("reports:sales-composition")

    response, primary, replica_sql = queried(lambda: client.get(url, {**PERIOD, "format": "csv"}))

    assert response.status_code == 200
    assert "1234.50" in response.content.decode()
    assert touching(replica_sql, SALES)
    assert touching(primary, SALES) == []


@on_both
def test_the_report_api_reads_its_figures_from_the_replica(replica, manager, sale):
    api = as_user(manager)

    response, primary, replica_sql = queried(
        lambda: api.get("/api/v1/reports/sales-composition/", PERIOD)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total"]["amount"] == "1234.50"
    assert [row["grade_code"] for row in body["rows"] if row["amount"] != "0.00"] == ["key"]
    assert touching(replica_sql, SALES)
    assert touching(primary, SALES) == []


@on_both
def test_the_audit_page_reads_the_history_from_the_replica(client, replica, manager, salesperson):
    customer = CustomerFactory(code="A1", salesperson=salesperson, phone="0755-1")
    card_update(
        customer=customer,
        changes={"phone": "0755-2"},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )
    client.force_login(manager)

    response, primary, replica_sql = queried(lambda: client.get(reverse("audit:changes")))

    assert response.status_code == 200
    assert "0755-2" in response.content.decode()
    assert touching(replica_sql, HISTORY)
    assert touching(primary, HISTORY) == []


@on_both
def test_a_card_edit_runs_on_the_primary_only(client, replica, salesperson):
    customer = CustomerFactory(code="E1", salesperson=salesperson, phone="0755-1")
    client.force_login(salesperson)
    data = {**edit_form(client, customer), "phone": "0755-2"}
    url = reverse("customers:edit", args=[customer.pk])

    response, primary, replica_sql = queried(lambda: client.post(url, data))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 2)
    assert primary
    assert replica_sql == []


@on_both
def test_an_api_write_runs_on_the_primary_only(replica, salesperson):
    customer = CustomerFactory(code="W1", salesperson=salesperson, phone="0755-1")
    api = as_user(salesperson)
    url = f"/api/v1/customers/{customer.pk}/"

    response, primary, replica_sql = queried(
        lambda: api.patch(url, {"phone": "0755-3", "version": customer.version}, format="json")
    )

    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "0755-3"
    assert Customer.objects.get(pk=customer.pk).phone == "0755-3"
    assert primary
    assert replica_sql == []


@on_both
def test_a_review_accept_runs_on_the_primary_only(replica, manager, salesperson):
    customer = CustomerFactory(code="V1", salesperson=salesperson, phone="0755-1")
    (proposal,) = filed(salesperson, customer, ("phone", "0755-4"))
    api = as_user(manager)

    response, primary, replica_sql = queried(lambda: api.post(accept(proposal)))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert Customer.objects.get(pk=customer.pk).phone == "0755-4"
    assert primary
    assert replica_sql == []


@on_both
def test_a_page_that_is_not_an_analysis_reads_the_primary(client, replica, manager, salesperson):
    CustomerFactory(code="L1", salesperson=salesperson, name="列表客户")
    client.force_login(manager)

    response, primary, replica_sql = queried(lambda: client.get(reverse("customers:list")))

    assert response.status_code == 200
    assert "列表客户" in response.content.decode()
    assert touching(primary, Customer._meta.db_table)
    assert replica_sql == []
