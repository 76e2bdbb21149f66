"""App configuration for the site shell."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "ojodeagua.web"
    verbose_name = _("Sitio")
