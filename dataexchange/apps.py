from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataExchangeConfig(AppConfig):
    """Import and export of the project's resources: the all-or-nothing file import behind
    `manage.py import`, `manage.py export` and the admin's import page."""

    name = "dataexchange"
    verbose_name = _("Import and export")
