"""The investigations API, under /api/v1/."""

urlpatterns: list = []
