"""URLs for /api/v1/ and its OpenAPI schema."""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter

from . import books, integrity, observations, purifiers, views

router = DefaultRouter()
router.register("municipalities", views.MunicipalityViewSet)
router.register("localities", views.LocalityViewSet)
router.register("providers", views.ProviderViewSet)
router.register("members", views.MemberViewSet)
router.register("systems", views.WaterSystemViewSet)
router.register("sources", views.SourceViewSet)
router.register("components", views.ComponentViewSet)
router.register("served-localities", views.ServedLocalityViewSet)
router.register("schools", views.SchoolViewSet)
router.register("health-centres", views.HealthCentreViewSet)
for prefix, viewset in observations.OBSERVATION_ROUTES:
    router.register(prefix, viewset)
for prefix, viewset, basename in integrity.INTEGRITY_ROUTES:
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in books.BOOKS_ROUTES:
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in purifiers.PURIFIER_ROUTES:
    router.register(prefix, viewset, basename=basename)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def not_found(request, unknown):
    """Any other address under /api/v1/ (a record id that is not a number, a misspelt list):
    404 in JSON, as the API answers everything, not the site's HTML page."""
    raise NotFound()


urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    *router.urls,
    # Only addresses ending in "/": one without it is first sent on to the same with it.
    re_path(r"^(?P<unknown>[\s\S]+/)\Z", not_found),
]
