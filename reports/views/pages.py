"""The analyses' pages: the index, and one page per declared analysis."""

from django.shortcuts import render

from reports.catalogue import ANALYSES
from reports.views.base import report_page


def index(request):
    return render(request, "reports/index.html", {"analyses": [a for a in ANALYSES if a.listed]})


def analysis_view(analysis):
    def view(request):
        return report_page(request, analysis)

    view.__name__ = view.__qualname__ = analysis.slug.replace("-", "_")
    return view
