from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_create_view, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/archive/", views.customer_archive_view, name="archive"),
    path("<int:pk>/restore/", views.customer_restore_view, name="restore"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.contact_delete_view,
        name="contact_delete",
    ),
    path("<int:pk>/incidents/new/", views.incident_create, name="incident_create"),
    path("<int:pk>/incidents/<int:incident_pk>/edit/", views.incident_edit, name="incident_edit"),
    path(
        "<int:pk>/incidents/<int:incident_pk>/delete/",
        views.incident_delete,
        name="incident_delete",
    ),
]
