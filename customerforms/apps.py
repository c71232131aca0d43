from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerFormsConfig(AppConfig):
    name = "customerforms"
    verbose_name = _("Customer data forms")
