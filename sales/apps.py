from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self):
        # The card links to its customer's sales performance, which the page loads after
        # itself; customers sits below sales (SPEC 3), so sales adds the panel to the card.
        from customers.panels import register_card_panel

        register_card_panel(
            "sales_performance", template="sales/_card_performance.html", place="business"
        )
