from classification.views import grading, overview, routes

app_name = "classification"

urlpatterns = [*grading.urlpatterns, *routes.urlpatterns, *overview.urlpatterns]
