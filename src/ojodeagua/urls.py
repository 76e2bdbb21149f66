"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from ojodeagua.fieldcollection.urls import odk_patterns
from ojodeagua.web.admin_site import restrict_admin_to_superusers

restrict_admin_to_superusers(admin.site)

urlpatterns = [
    # First: phones post hundreds of submissions a second here (fieldcollection/middleware.py
    # answers them before the page middleware; this entry names the paths for reverse()).
    path("odk/", include(odk_patterns)),
    path("", include("ojodeagua.web.urls")),
    path("", include("ojodeagua.places.urls")),
    path("", include("ojodeagua.watersystems.urls")),
    path("", include("ojodeagua.providers.urls")),
    path("", include("ojodeagua.facilities.urls")),
    path("", include("ojodeagua.monitoring.urls")),
    path("", include("ojodeagua.waterquality.urls")),
    path("normas/", include("ojodeagua.waterquality.norm_urls")),
    path("bitacora/", include("ojodeagua.web.trail_urls")),
    path("equipo/", include("ojodeagua.web.team_urls")),
    path("importar/", include("ojodeagua.monitoring.import_urls")),
    path("trabajos/", include("ojodeagua.jobs.urls")),
    path("indicadores/exportar/", include("ojodeagua.indicators.export_urls")),
    path("", include("ojodeagua.indicators.urls")),
    path("integridad/", include("ojodeagua.integrity.urls")),
    path("cuentas/", include("ojodeagua.books.urls")),
    path("cuentas/", include("ojodeagua.books.exports")),
    path("transparencia/", include("ojodeagua.books.public_views")),
    path("api/v1/", include("ojodeagua.api.urls")),
    path("campo/", include("ojodeagua.fieldcollection.urls")),
    path("mesa/", include("ojodeagua.desk.urls")),
    path("agua/", include("ojodeagua.voice.urls")),
    path("purificadores/", include("ojodeagua.purifiers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
