from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visit reports")

    def ready(self):
        # A report is reviewed once none of its proposals is pending; the review sits below
        # the visits (SPEC 3), so it announces its decisions and does not call them.
        from review.signals import proposal_decided
        from visits.services import proposal_decided_received

        proposal_decided.connect(proposal_decided_received, dispatch_uid="visits.reviewed")
