from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassificationConfig(AppConfig):
    name = "classification"
    verbose_name = _("Classification")

    def ready(self):
        # The customers' sale dates follow their sales lines. The rule lives above sales
        # (SPEC 3), so sales announces its changes and does not call it.
        from classification.services.lifecycle import sales_lines_changed_received
        from sales.signals import sales_lines_changed

        sales_lines_changed.connect(
            sales_lines_changed_received, dispatch_uid="classification.sale_dates"
        )
