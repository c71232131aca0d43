"""Pages: routes."""

urlpatterns = []
