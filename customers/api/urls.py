from rest_framework.routers import SimpleRouter

from customers.api.views import ContactViewSet, CreditIncidentViewSet, CustomerViewSet

router = SimpleRouter(use_regex_path=False)
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("credit-incidents", CreditIncidentViewSet, basename="credit-incident")

urlpatterns = router.urls
