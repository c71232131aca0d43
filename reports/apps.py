from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The card links to its customer's reports; customers sits below the analyses
        # (SPEC 3), so the reports add the panel to the card.
        from customers.panels import BELOW, register_card_panel
        from reports.customer_reports import card_reports_panel

        register_card_panel(
            "reports",
            template="reports/_card_panel.html",
            context=card_reports_panel,
            place=BELOW,
        )
