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
        self._register_home_panels()

    @staticmethod
    def _register_home_panels():
        # The home page shows figures and follow-ups from the archive; accounts sits below
        # customers (SPEC 3), so it renders these panels without importing them.
        from accounts.home import FOLLOW_UPS, SUMMARY, register_home_panel
        from accounts.roles import MANAGER, SALES
        from customers.home import customer_figures, first_deals_due, open_credit_incidents

        register_home_panel(
            "customer_figures",
            template="customers/_home_figures.html",
            context=customer_figures,
            roles=[MANAGER],
            place=SUMMARY,
        )
        register_home_panel(
            "open_credit_incidents",
            template="customers/_home_incidents.html",
            context=open_credit_incidents,
            roles=[MANAGER],
        )
        register_home_panel(
            "first_deals",
            template="customers/_home_first_deals.html",
            context=first_deals_due,
            roles=[SALES],
            place=FOLLOW_UPS,
        )
