"""The customer data form's pages: the public form by its one-time link, and the links'
management for staff."""

from django.urls import path

from customerforms.views import (
    link_create_view,
    link_reopen_view,
    link_revoke_view,
    public_form,
    public_thanks,
)

app_name = "customerforms"

urlpatterns = [
    path("customers/<int:pk>/send/", link_create_view, name="create"),
    path("links/<int:pk>/revoke/", link_revoke_view, name="revoke"),
    path("links/<int:pk>/reopen/", link_reopen_view, name="reopen"),
    path("f/<str:token>/", public_form, name="public"),
    path("thanks/", public_thanks, name="thanks"),
]
