from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visit reports")

    def ready(self):
        # A report is reviewed once none of its proposals is pending; the review sits below
        # the visits (SPEC 3), so it announces its decisions and does not call them.
        from review.signals import proposal_decided
        from visits.reporting import register_review_source
        from visits.services import proposal_decided_received

        proposal_decided.connect(proposal_decided_received, dispatch_uid="visits.reviewed")
        register_review_source()  # the review queue shows a visit as its proposals' source
        self._register_home_panels()
        self._register_card_panels()

    @staticmethod
    def _register_home_panels():
        # A salesperson's home opens today's report in one tap and lists what the reports
        # left to do; accounts sits in the base layer (SPEC 3), so it renders these panels
        # without importing them.
        from accounts.home import FOLLOW_UPS, MAIN, SUMMARY, register_home_panel
        from accounts.roles import SALES
        from visits.views.reports import (
            home_decided_panel,
            home_follow_ups_panel,
            home_report_panel,
        )

        register_home_panel(
            "visit_report_today",
            template="visits/_home_report.html",
            context=home_report_panel,
            roles=[SALES],
            place=SUMMARY,
        )
        register_home_panel(
            "visit_follow_ups",
            template="visits/_home_follow_ups.html",
            context=home_follow_ups_panel,
            roles=[SALES],
            place=FOLLOW_UPS,
        )
        register_home_panel(
            "visit_proposals_decided",
            template="visits/_home_decided.html",
            context=home_decided_panel,
            roles=[SALES],
            place=MAIN,
        )

    @staticmethod
    def _register_card_panels():
        # The card shows its customer's visits; customers sits below the channels (SPEC 3).
        from customers.panels import BELOW, register_card_panel
        from visits.views.reports import card_visits_panel

        register_card_panel(
            "visits",
            template="visits/_card_visits.html",
            context=card_visits_panel,
            place=BELOW,
        )
