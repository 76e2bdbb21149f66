"""App configuration for the register of household and school UV purification units."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurifiersConfig(AppConfig):
    name = "ojodeagua.purifiers"
    label = "purifiers"
    verbose_name = _("purificadores UV de hogares y escuelas")
    default_auto_field = "django.db.models.BigAutoField"
