"""A read replica for the tests: a second connection to the test database (a test mirror of
"default", as settings.py makes it when DATABASE_REPLICA_URL is set), with the router on."""

import pytest
from django.db import connections

from archive_crm.db import REPLICA

ROUTERS = ["archive_crm.routers.ReplicaRouter"]


def add_alias(alias: str, settings_dict: dict) -> None:
    connections.settings[alias] = settings_dict


def remove_alias(alias: str) -> None:
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


@pytest.fixture(scope="module")
def _replica_alias(django_db_setup, django_db_blocker):
    """The alias exists before a test's database access is set up (module scope comes
    first), so a test may name it in `django_db(databases=...)`."""
    default = connections["default"].settings_dict
    add_alias(REPLICA, {**default, "TEST": {**default["TEST"], "MIRROR": "default"}})
    yield
    with django_db_blocker.unblock():
        remove_alias(REPLICA)


@pytest.fixture
def replica(_replica_alias, settings):
    """The replica configured and routed to: its connection."""
    settings.DATABASE_ROUTERS = ROUTERS
    return connections[REPLICA]
