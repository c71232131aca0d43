from rest_framework.routers import SimpleRouter

from visits.api.views import VisitReportViewSet

router = SimpleRouter(use_regex_path=False)
router.register("visit-reports", VisitReportViewSet, basename="visit-report")

urlpatterns = router.urls
