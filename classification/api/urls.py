from rest_framework.routers import SimpleRouter

from classification.api.views import (
    CustomerTypeViewSet,
    GradeLevelViewSet,
    OwnershipFormViewSet,
    RegionViewSet,
    RouteViewSet,
)

router = SimpleRouter(use_regex_path=False)
router.register("customer-types", CustomerTypeViewSet, basename="customer-type")
router.register("ownership-forms", OwnershipFormViewSet, basename="ownership-form")
router.register("regions", RegionViewSet, basename="region")
router.register("grade-levels", GradeLevelViewSet, basename="grade-level")
router.register("routes", RouteViewSet, basename="route")

urlpatterns = router.urls
