from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerFormsConfig(AppConfig):
    name = "customerforms"
    verbose_name = _("Customer data forms")

    def ready(self):
        # The review queue and the card sit below the channels (SPEC 3): the queue shows a
        # submission as its proposals' source, and the card its customer's links, through
        # the registries they offer.
        from customerforms.selectors import register_review_source
        from customerforms.views import card_panel
        from customers.panels import BELOW, register_card_panel

        register_review_source()
        register_card_panel(
            "customer_forms",
            template="customerforms/_card_panel.html",
            context=card_panel,
            place=BELOW,
        )
