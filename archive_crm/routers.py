"""The primary and its read replica (DATABASE_ROUTERS, set when DATABASE_REPLICA_URL is).

Every write, and every read outside an analysis, goes to the primary ("default"): what a person
just saved is what the next page shows. The analyses' reads (archive_crm.db.analysis_reads)
go to the replica, except the database cache's (rate-limit counts must be current). Both
hold the same rows, so objects may relate across them; only the primary is migrated (the
replica follows it by replication).
"""

from django.db import DEFAULT_DB_ALIAS

from archive_crm.db import REPLICA, reading_analysis, replica_configured

PAIR = {DEFAULT_DB_ALIAS, REPLICA}
# The app label of the database cache's table (django.core.cache.backends.db).
CACHE_LABEL = "django_cache"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if reading_analysis() and model._meta.app_label != CACHE_LABEL:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        if obj1._state.db in PAIR and obj2._state.db in PAIR:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if not replica_configured():
            return None
        return db == DEFAULT_DB_ALIAS
