from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts.views import AccessLogView
from apps.acos import views as aco_views

handler404 = "lead_portal.errors.not_found"

admin.site.site_header = "LEAD Portal administration"
admin.site.site_title = "LEAD Portal admin"

urlpatterns = [
    path("", aco_views.home, name="home"),
    path("accounts/", include("apps.accounts.urls")),
    path("switch-aco/", aco_views.aco_switch, name="aco_switch"),
    path("cms/", aco_views.CMSHomeView.as_view(), name="cms_home"),
    path("reviews/", aco_views.ReviewQueueView.as_view(), name="review_queue"),
    path("audit/access-log/", AccessLogView.as_view(), name="access_log"),
    path("", include("apps.alignment.urls")),
    path("acos/", include("apps.acos.urls")),
    path("acos/", include("apps.quality.urls")),
    path("acos/", include("apps.performance.urls")),
    path("acos/", include("apps.performance.urls_reports")),
    path("acos/", include("apps.benefits.urls")),
    path("acos/", include("apps.rural.urls")),
    path("acos/", include("apps.medicaid.urls")),
    path("acos/", include("apps.cara.urls")),
    path("acos/", include("apps.cara.urls_designs")),
    path("acos/", include("apps.cara.urls_documents")),
    path("acos/", include("apps.balance.urls")),
    path("acos/", include("apps.planning.urls")),
    path("provider/", include("apps.cara.urls_provider")),
    path("performance/", include("apps.performance.urls_cms")),
    path("benefits/", include("apps.benefits.urls_cms")),
    path("rural/", include("apps.rural.urls_cms")),
    path("medicaid/", include("apps.medicaid.urls_cms")),
    path("cara/", include("apps.cara.urls_cms")),
    path("glp1/", include("apps.balance.urls_cms")),
    path("claims/", include("apps.claims.urls")),
    path("api/", include("lead_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]
