"""/api/v1/: the token endpoint and every app's API routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("customers.api.urls")),
]
