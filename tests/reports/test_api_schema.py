"""Every analysis is documented in the OpenAPI schema: its parameters, its row shape and
the 400 for a refused parameter; the schema generates without warnings."""

import pytest
from django.core.management import call_command

from reports.catalogue import ANALYSES


@pytest.fixture
def schema(client, manager):
    client.force_login(manager)
    return client.get("/api/schema/", {"format": "json"}).json()


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda analysis: analysis.slug)
def test_each_analysis_is_documented(schema, analysis):
    operation = schema["paths"][f"/api/v1/reports/{analysis.slug}/"]["get"]
    assert operation["operationId"] == "reports_" + analysis.slug.replace("-", "_")
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert set(analysis.form_class.base_fields) <= parameters
    assert {"200", "400"} <= set(operation["responses"])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert {"rows", "total", "period"} <= set(component["properties"])


def test_the_contracts_row_fields_are_documented(schema):
    components = schema["components"]["schemas"]
    assert {"grade", "amount", "share", "customers"} <= set(components["GradeRow"]["properties"])
    assert {
        "category",
        "category_code",
        "quantity",
        "amount",
        "quantity_share",
        "amount_share",
    } <= set(components["CategoryRow"]["properties"])


def test_the_schema_generates_without_warnings(tmp_path, capsys):
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"), "--fail-on-warn")
    assert "Warning" not in capsys.readouterr().err
