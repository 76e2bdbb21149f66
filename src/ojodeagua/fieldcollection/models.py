"""What phones send: each submission as it arrived (never lost), its files, and what it became."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ojodeagua.organisations.models import ApiToken


class SubmissionQuerySet(models.QuerySet):
    def to_fix(self) -> "SubmissionQuerySet":
        return self.filter(state=Submission.State.TO_FIX)


class Submission(models.Model):
    """One instance a phone sent, kept whole: the XML is the record of what the collector wrote.

    Its records are made by the importer from the XML (``services.map_submission``); one that
    cannot be made stays here with the reason, to be corrected and accepted on a page.
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("recibido, por registrar")
        ACCEPTED = "accepted", _("registrado")
        TO_FIX = "to_fix", _("por corregir")
        REPLACED = "replaced", _("reemplazado por una edición")

    class Channel(models.TextChoices):
        PHONE = "phone", _("teléfono (ODK Collect)")

    # meta/instanceID: the phone's id for this version of the instance.
    instance_id = models.CharField(_("identificador de la instancia"), max_length=64, unique=True)
    # The first version's instanceID: an edit (meta/deprecatedID) keeps it, so its records
    # (whose record_id derive from it) are updated, not made twice.
    root_instance_id = models.CharField(max_length=64, db_index=True)
    deprecated_id = models.CharField(_("edita a"), max_length=64, blank=True)
    form_id = models.CharField(_("formulario"), max_length=64)
    form_version = models.CharField(_("versión del formulario"), max_length=64, blank=True)
    xml = models.TextField(_("envío tal como llegó"))
    digest = models.CharField(max_length=64)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("quién lo capturó"),
    )
    phone = models.ForeignKey(
        ApiToken,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("teléfono"),
    )
    device_id = models.CharField(_("identificador del teléfono"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)
    state = models.CharField(
        _("estado"), max_length=10, choices=State.choices, default=State.RECEIVED
    )
    reason = models.TextField(_("qué corregir"), blank=True)
    # The values as a coordinator corrected them (name → text); the XML itself never changes.
    corrections = models.JSONField(_("correcciones"), default=dict, blank=True)
    # The records it made, by record_id (a week of supply makes one per day).
    record_ids = models.JSONField(default=list, blank=True)
    mapped_at = models.DateTimeField(_("registrado el"), null=True, blank=True)
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aceptado por"),
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("envío desde teléfono")
        verbose_name_plural = _("envíos desde teléfonos")
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.form_id} {self.instance_id}"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None


def attachment_path(attachment: "SubmissionAttachment", filename: str) -> str:
    return f"envios/{attachment.submission.root_instance_id.replace(':', '_')}/{filename}"


class SubmissionAttachment(models.Model):
    """A file sent with a submission (a photo of a component, of a lab report)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("nombre"), max_length=255)
    file = models.FileField(_("archivo"), upload_to=attachment_path, max_length=400)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("tamaño"))
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["submission", "name"]
        verbose_name = _("archivo de un envío")
        verbose_name_plural = _("archivos de envíos")
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="one_file_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class OwnFormQuerySet(models.QuerySet):
    def live(self) -> "OwnFormQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class OwnForm(models.Model):
    """An XLSForm a coordinator wrote herself for one observation type (``ownforms.py``).

    Its questions carry the importer's column names, so its submissions become records exactly
    as the project's own forms' do. A new upload of the same form is a new row; the one before
    is withdrawn, not changed, so a phone's earlier submissions still say what they answered.
    """

    form_id = models.SlugField(_("identificador del formulario"), max_length=64)
    kind = models.CharField(_("tipo de registro"), max_length=40)
    title = models.CharField(_("título"), max_length=200)
    version = models.CharField(_("versión"), max_length=64)
    filename = models.CharField(_("archivo"), max_length=255)
    xlsx = models.BinaryField(_("hoja XLSForm tal como se subió"))
    xform = models.TextField(_("XForm"))
    media_files = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("quién lo subió"),
    )
    uploaded_at = models.DateTimeField(_("subido"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("retirado"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quién lo retiró"),
    )

    objects = OwnFormQuerySet.as_manager()

    class Meta:
        ordering = ["form_id", "-uploaded_at", "-pk"]
        verbose_name = _("formulario propio")
        verbose_name_plural = _("formularios propios")
        constraints = [
            models.UniqueConstraint(
                fields=["form_id"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_own_form_per_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.form_id})"

    def audit_scope(self) -> tuple[int | None, int | None]:
        return None, None
