"""Pages: the review queue."""

urlpatterns: list = []
