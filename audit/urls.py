from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("changes/", views.change_list, name="changes"),
    path("sign-ins/", views.sign_in_list, name="sign_ins"),
]
