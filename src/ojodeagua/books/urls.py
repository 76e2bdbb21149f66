"""URLs of a provider's books under /cuentas/<provider id>/, from the modules that own them."""

from django.urls import path

from . import across, entry_views, padron_views
from .overview import books_overview

app_name = "books"
urlpatterns = [
    path("<int:provider_id>/", books_overview, name="provider_books"),
    *across.urlpatterns,
    *padron_views.urlpatterns,
    *entry_views.urlpatterns,
]
