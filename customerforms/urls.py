"""The customer data form's pages: the public form by its one-time link, and the links'
management for staff."""

app_name = "customerforms"

urlpatterns: list = []
