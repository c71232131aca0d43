"""The investigations API, under /api/v1/."""

from rest_framework.routers import SimpleRouter

from investigations.api.views import AgencyViewSet, InvestigationViewSet

router = SimpleRouter(use_regex_path=False)
router.register("agencies", AgencyViewSet, basename="agency")
router.register("investigations", InvestigationViewSet, basename="investigation")

urlpatterns = router.urls
