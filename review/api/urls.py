from rest_framework.routers import SimpleRouter

from review.api.views import ProposalViewSet

router = SimpleRouter(use_regex_path=False)
router.register("proposals", ProposalViewSet, basename="proposal")

urlpatterns = router.urls
