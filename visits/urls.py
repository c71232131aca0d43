from visits.views import reporting, reports

app_name = "visits"

urlpatterns = reports.urlpatterns + reporting.urlpatterns
