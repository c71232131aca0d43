from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customer archive")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from customers.history import stamp_channel

        pre_create_historical_record.connect(
            stamp_channel, dispatch_uid="customers.history.stamp_channel"
        )
