from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import HomeView, PasswordResetView
from archive_crm.db import REPLICA, databases_down


@login_not_required
@never_cache
def healthz(request):
    """Health probe for load balancers and process managers: no login; one trivial query per
    database (the primary, and the read replica when there is one). A process whose database
    does not answer is taken out of the rotation by its 503; the body says which database, for
    the operators, and nothing more (the error itself is logged). For machines: not translated."""
    down = databases_down()
    if down:
        reason = "replica database unavailable" if down == [REPLICA] else "database unavailable"
        return HttpResponse(reason, status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("customers/", include("customers.urls")),
    path("classification/", include("classification.urls")),
    path("sales/", include("sales.urls")),
    path("visits/", include("visits.urls")),
    path("review/", include("review.urls")),
    path("forms/", include("customerforms.urls")),
    path("investigations/", include("investigations.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("audit.urls")),
    path("jobs/", include("jobs.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("archive_crm.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: the Content-Security-Policy allows no inline one.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
]

admin.site.site_header = _("Archive CRM")
admin.site.site_title = _("Archive CRM")
