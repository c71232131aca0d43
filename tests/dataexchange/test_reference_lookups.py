import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dataexchange.services import import_file
from tests.customers.factories import RegionFactory

pytestmark = pytest.mark.django_db


def region_queries(rows: int, salesperson) -> int:
    RegionFactory(code="GD", name="广东省")
    lines = ["code,name,region,customer_type,salesperson"] + [
        f"K{rows}-{n},客户{n},GD,ordinary,{salesperson.username}" for n in range(rows)
    ]
    with CaptureQueriesContext(connection) as queries:
        report = import_file(
            resource="customers.resources.CustomerResource",
            path_or_bytes="\n".join(lines).encode(),
            file_name="customers.csv",
        )
    assert report.ok, report.errors
    return sum('FROM "classification_region"' in q["sql"] for q in queries.captured_queries)


def test_a_reference_is_looked_up_once_per_file_not_per_row(salesperson):
    assert region_queries(3, salesperson) == region_queries(30, salesperson) == 1
