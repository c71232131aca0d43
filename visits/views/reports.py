"""Pages: a salesperson's daily visit reports."""

urlpatterns: list = []
