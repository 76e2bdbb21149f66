"""The OpenRosa server ODK Collect talks to: form list, forms, manifests, media and submissions.

The phone's server address is ``/odk/<key>/``, where the key is one of its owner's device keys
(``organisations.tokens``): Collect sends Basic credentials only over HTTPS and Digest needs the
plain password, so a revocable key in the path is how a phone is known, as in ODK Central. A key
that is wrong, withdrawn or expired gets 401, never 403, so that Collect asks again.

Every answer carries ``X-OpenRosa-Version: 1.0`` and ``Date``. The hash in the form list is the
MD5 of the very bytes the form's address serves, or Collect downloads it again and again.
"""

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ojodeagua.organisations import tokens

from . import catalogue, choices, services

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"


def openrosa(
    content: bytes | str, status: int = 200, content_type: str = "text/xml"
) -> HttpResponse:
    response = HttpResponse(content, status=status, content_type=f"{content_type}; charset=utf-8")
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def message(text: str, status: int) -> HttpResponse:
    body = (
        f'<OpenRosaResponse xmlns="{RESPONSE_NS}">'
        f'<message nature="">{escape(text)}</message></OpenRosaResponse>'
    )
    return openrosa(body, status)


def refused(text: str) -> HttpResponse:
    response = message(text, 401)
    response["WWW-Authenticate"] = 'Basic realm="Ojo de Agua"'
    return response


def phone_of(key: str):
    try:
        return tokens.authenticate(key), None
    except tokens.TokenRefused as error:
        return None, refused(error.message)


@require_http_methods(["GET", "HEAD"])
def form_list(request: HttpRequest, key: str) -> HttpResponse:
    phone, refusal = phone_of(key)
    if refusal:
        return refusal
    wanted = request.GET.get("formID")
    entries = []
    for built in catalogue.served_forms(phone.user):
        if wanted and built.form_id != wanted:
            continue
        download = request.build_absolute_uri(reverse("odk:form", args=[key, built.form_id]))
        manifest = ""
        if built.media_files:
            manifest_url = request.build_absolute_uri(
                reverse("odk:manifest", args=[key, built.form_id])
            )
            manifest = f"<manifestUrl>{escape(manifest_url)}</manifestUrl>"
        entries.append(
            "<xform>"
            f"<formID>{escape(built.form_id)}</formID>"
            f"<name>{escape(built.title)}</name>"
            f"<version>{built.version}</version>"
            f"<hash>{built.md5}</hash>"
            f"<downloadUrl>{escape(download)}</downloadUrl>"
            f"{manifest}"
            "</xform>"
        )
    return openrosa(f'<xforms xmlns="{FORM_LIST_NS}">{"".join(entries)}</xforms>')


@require_http_methods(["GET", "HEAD"])
def form(request: HttpRequest, key: str, form_id: str) -> HttpResponse:
    phone, refusal = phone_of(key)
    if refusal:
        return refusal
    built = catalogue.served_form(phone.user, form_id)
    if built is None:
        return message(_("No hay un formulario con ese identificador."), 404)
    return openrosa(built.xform)


@require_http_methods(["GET", "HEAD"])
def manifest(request: HttpRequest, key: str, form_id: str) -> HttpResponse:
    phone, refusal = phone_of(key)
    if refusal:
        return refusal
    built = catalogue.served_form(phone.user, form_id)
    if built is None:
        return message(_("No hay un formulario con ese identificador."), 404)
    entries = []
    for name in built.media_files:
        content = choices.media_file(name, phone.user)
        url = request.build_absolute_uri(reverse("odk:media", args=[key, form_id, name]))
        entries.append(
            "<mediaFile>"
            f"<filename>{escape(name)}</filename>"
            f"<hash>{choices.md5(content or b'')}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl>"
            "</mediaFile>"
        )
    return openrosa(f'<manifest xmlns="{MANIFEST_NS}">{"".join(entries)}</manifest>')


@require_http_methods(["GET", "HEAD"])
def media(request: HttpRequest, key: str, form_id: str, name: str) -> HttpResponse:
    phone, refusal = phone_of(key)
    if refusal:
        return refusal
    built = catalogue.served_form(phone.user, form_id)
    if built is None or name not in built.media_files:
        return message(_("Ese formulario no tiene ese archivo."), 404)
    return openrosa(choices.media_file(name, phone.user) or b"", content_type="text/csv")


@csrf_exempt
@require_http_methods(["HEAD", "POST"])
def submission(request: HttpRequest, key: str) -> HttpResponse:
    phone, refusal = phone_of(key)
    if refusal:
        return refusal
    if request.method == "HEAD":
        response = openrosa(b"", status=204)
        response["X-OpenRosa-Accept-Content-Length"] = str(settings.MAX_REQUEST_BYTES)
        return response
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return message(
            _("Falta la parte xml_submission_file: el envío no trae el formulario llenado."), 400
        )
    attachments = [
        part
        for name, parts in request.FILES.lists()
        if name != "xml_submission_file"
        for part in parts
    ]
    intake = services.receive(phone, upload.read(), attachments)
    return message(intake.message, intake.status)
