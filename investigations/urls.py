"""The commissioned credit investigations' pages and the managers' risk view."""

from django.urls import path

from investigations.views import (
    agency_edit,
    agency_list,
    investigation_create,
    investigation_deliver_view,
    investigation_detail,
    investigation_list,
    report_file,
    report_upload,
    risk_view,
)

app_name = "investigations"

urlpatterns = [
    path("", investigation_list, name="list"),
    path("new/", investigation_create, name="create"),
    path("risk/", risk_view, name="risk"),
    path("<int:pk>/", investigation_detail, name="detail"),
    path("<int:pk>/deliver/", investigation_deliver_view, name="deliver"),
    path("<int:pk>/report/", report_upload, name="report_upload"),
    path("<int:pk>/report/file/", report_file, name="report_file"),
    path("agencies/", agency_list, name="agency_list"),
    path("agencies/new/", agency_edit, name="agency_create"),
    path("agencies/<int:pk>/", agency_edit, name="agency_edit"),
]
