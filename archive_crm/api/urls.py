"""/api/v1/: the token endpoint and every app's API routes."""

from django.urls import include, path

from archive_crm.api.views import ObtainTokenView, RotateTokenView

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/rotate/", RotateTokenView.as_view(), name="api-token-rotate"),
    path("", include("customers.api.urls")),
    path("", include("classification.api.urls")),
    path("", include("sales.api.urls")),
    path("", include("visits.api.urls")),
    path("", include("review.api.urls")),
    path("", include("customerforms.api.urls")),
    path("", include("investigations.api.urls")),
    path("reports/", include("reports.api.urls")),
]
