"""Audit events: one row per change, never updated nor deleted."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ojodeagua.lib.scoping import Area


class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(models.QuerySet):
    def in_area(self, area: Area, *, for_edit: bool = False) -> "AuditEventQuerySet":
        return self.filter(
            Q(municipality_id__in=area.municipality_ids) | Q(provider_id__in=area.provider_ids)
        )

    def update(self, **kwargs):
        raise AppendOnlyError("La bitácora no se modifica.")

    def delete(self):
        raise AppendOnlyError("La bitácora no se borra.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("creó")
        UPDATE = "update", _("cambió")
        DELETE = "delete", _("borró")
        IMPORT = "import", _("importó")

    at = models.DateTimeField(_("cuándo"), auto_now_add=True, db_index=True)
    # Plain ids rather than constraints: the trail must outlive the rows it talks about.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("quién"),
    )
    actor_label = models.CharField(_("quién (texto)"), max_length=150)
    action = models.CharField(_("acción"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("registro"), max_length=300)
    changes = models.JSONField(_("cambios"), default=dict, blank=True)
    municipality_id = models.BigIntegerField(null=True, db_index=True)
    provider_id = models.BigIntegerField(null=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("evento de la bitácora")
        verbose_name_plural = _("bitácora de cambios")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("La bitácora no se modifica.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("La bitácora no se borra.")
