"""The OpenRosa paths alone, for ``middleware.OpenRosaMiddleware`` to resolve quickly."""

from django.urls import include, path

from .urls import odk_patterns

urlpatterns = [path("odk/", include(odk_patterns))]
