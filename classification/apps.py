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
        self._register_card_panels()

    @staticmethod
    def _register_card_panels():
        # The card shows its customer's classification; customers sits below classifying
        # (SPEC 3), so the card renders these panels without importing them.
        from classification.lifecycle import customer_lifecycle, lifecycle_windows_for
        from classification.services.routes import card_route_summary
        from classification.views.grading import card_grade_context
        from customers.panels import SUMMARY, register_card_panel

        register_card_panel(
            "lifecycle",
            template="classification/_card_lifecycle.html",
            context=lambda request, customer: {
                "lifecycle": customer_lifecycle(customer, windows=lifecycle_windows_for(request))
            },
            place=SUMMARY,
        )
        register_card_panel(
            "grade",
            template="classification/_card_grade.html",
            context=lambda request, customer: {"grade_card": card_grade_context(request, customer)},
        )
        register_card_panel(
            "route",
            template="classification/_card_route.html",
            context=lambda request, customer: {
                "card_route": card_route_summary(request.user, customer)
            },
        )
