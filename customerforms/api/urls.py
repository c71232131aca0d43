"""The customerforms API, under /api/v1/."""

urlpatterns: list = []
