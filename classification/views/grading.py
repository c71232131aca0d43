"""Pages: grading."""

urlpatterns = []
