"""App configuration for the users' voice."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "ojodeagua.voice"
    verbose_name = _("la voz de los usuarios")
