"""Pages: the managers' views of the visit reports (compliance, coverage, aggregation)."""

urlpatterns: list = []
