"""The analyses' API, under /api/v1/reports/<slug>/."""

from django.urls import path

from reports.api.views import analysis_api_view
from reports.catalogue import ANALYSES

urlpatterns = [
    path(f"{analysis.slug}/", analysis_api_view(analysis), name=f"report-{analysis.slug}")
    for analysis in ANALYSES
]
