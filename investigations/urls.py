"""The commissioned credit investigations' pages and the managers' risk view."""

app_name = "investigations"

urlpatterns: list = []
