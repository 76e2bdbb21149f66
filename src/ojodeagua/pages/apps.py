"""App configuration for the scoped pages that registry and observation apps declare."""

from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "ojodeagua.pages"
