from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "investigations"
    verbose_name = _("Credit investigations")

    def ready(self):
        # An investigation is reviewed once none of its proposals is pending; the review
        # sits below the channels (SPEC 3), so it announces its decisions and does not call
        # them.
        from investigations.describers import register_review_source
        from investigations.services import proposal_decided_received
        from review.signals import proposal_decided

        proposal_decided.connect(proposal_decided_received, dispatch_uid="investigations.reviewed")
        register_review_source()  # the review queue shows an investigation as a source
        self._register_card_panels()

    @staticmethod
    def _register_card_panels():
        # The card lists its customer's investigations with its credit status; customers
        # sits below the channels (SPEC 3).
        from customers.panels import register_card_panel
        from investigations.views import card_investigations_panel

        register_card_panel(
            "investigations",
            template="investigations/_card_investigations.html",
            context=card_investigations_panel,
            place="transactions",
        )
