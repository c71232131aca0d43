"""The analyses' pages, under /reports/: the index, then /reports/<slug>/ per analysis."""

from django.urls import path

from reports.catalogue import ANALYSES
from reports.views.pages import analysis_view, index

app_name = "reports"

urlpatterns = [
    path("", index, name="index"),
    *(
        path(f"{analysis.slug}/", analysis_view(analysis), name=analysis.slug)
        for analysis in ANALYSES
    ),
]
