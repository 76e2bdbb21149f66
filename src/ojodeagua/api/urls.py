"""URLs for /api/v1/ and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from . import books, integrity, observations, views

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

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    *router.urls,
]
