"""The analyses' pages, under /reports/. Each analysis module adds its own patterns."""

app_name = "reports"

urlpatterns: list = []
