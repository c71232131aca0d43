from review import views

app_name = "review"

urlpatterns = views.urlpatterns
