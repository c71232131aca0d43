"""The customerforms API, under /api/v1/."""

from rest_framework.routers import SimpleRouter

from customerforms.api.views import FormLinkViewSet

router = SimpleRouter(use_regex_path=False)
router.register("customer-forms", FormLinkViewSet, basename="customer-form")

urlpatterns = router.urls
