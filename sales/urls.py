from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path(
        "customers/<int:pk>/performance/",
        views.customer_performance,
        name="customer_performance",
    ),
]
