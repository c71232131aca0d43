from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("Review")

    def ready(self):
        # A manager's home page shows what waits for review; accounts sits in the base layer
        # (SPEC 3), so it renders this panel without importing it.
        from accounts.home import register_home_panel
        from accounts.roles import MANAGER
        from review.views import pending_panel

        register_home_panel(
            "review_pending",
            template="review/_home_pending.html",
            context=pending_panel,
            roles=[MANAGER],
        )
