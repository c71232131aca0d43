"""The analyses' API, under /api/v1/reports/."""

urlpatterns: list = []
