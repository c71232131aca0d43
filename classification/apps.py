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
        self._register_home_panels()

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

    @staticmethod
    def _register_home_panels():
        # The home page shows a salesperson's round of the day and a manager what needs
        # attention; accounts sits in the base layer (SPEC 3), so it renders these panels
        # without importing them.
        from accounts.home import register_home_panel
        from accounts.roles import MANAGER, SALES
        from classification.views.home import grade_changes_panel, not_visited_panel, todays_round

        register_home_panel(
            "todays_round",
            template="classification/_home_today.html",
            context=todays_round,
            roles=[SALES],
        )
        register_home_panel(
            "not_visited",
            template="classification/_home_not_visited.html",
            context=not_visited_panel,
            roles=[MANAGER],
        )
        register_home_panel(
            "grade_changes",
            template="classification/_home_grade_changes.html",
            context=grade_changes_panel,
            roles=[MANAGER],
        )
