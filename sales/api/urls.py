from django.urls import path
from rest_framework.routers import SimpleRouter

from sales.api.views import (
    ProductCategoryViewSet,
    ProductViewSet,
    SalesPerformanceView,
    SalesRecordViewSet,
)

router = SimpleRouter(use_regex_path=False)
router.register("product-categories", ProductCategoryViewSet, basename="product-category")
router.register("products", ProductViewSet, basename="product")
router.register("sales-records", SalesRecordViewSet, basename="sales-record")

urlpatterns = [
    path(
        "sales/performance/<int:customer_id>/",
        SalesPerformanceView.as_view(),
        name="sales-performance",
    ),
    *router.urls,
]
