"""The forms a phone is served, and the one each submission is read with.

Two sources give the same shape: the project's forms (``xlsforms.py``, one per observation
type) and the coordinators' own (``ownforms.py``), each mapped to one of those types. The
OpenRosa views and the mapping read forms only through here.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache

from . import ownforms, xlsforms

XFORM_CACHE_SECONDS = 24 * 3600


@dataclass
class ServedForm:
    """What the form list, the form's address and its manifest say about one form."""

    form_id: str
    title: str
    version: str
    xform: bytes
    media_files: list[str]

    @property
    def md5(self) -> str:
        return "md5:" + hashlib.md5(self.xform).hexdigest()


def project_form(form_id: str) -> ServedForm | None:
    """A project form as served now; its XForm is converted once per version (a digest of the
    sheets) and kept in the cache, so a form list does not run pyxform for every form."""
    built = xlsforms.built(form_id)
    if built is None:
        return None
    key = f"odk-xform:{form_id}:{built.version}"
    xform = cache.get(key)
    if xform is None:
        xform = built.xform
        cache.set(key, xform, XFORM_CACHE_SECONDS)
    return ServedForm(form_id, str(built.form.title), built.version, xform, built.media_files)


def own_form(own) -> ServedForm:
    return ServedForm(own.form_id, own.title, own.version, own.xform.encode(), own.media_files)


def served_forms(user) -> list[ServedForm]:
    """Every form the person's phone gets: the project's, then her coordinators' own."""
    forms = [project_form(form.form_id) for form in xlsforms.FORMS]
    return [form for form in forms if form] + [own_form(own) for own in ownforms.served_to(user)]


def served_form(user, form_id: str) -> ServedForm | None:
    if form_id in xlsforms.FORMS_BY_ID:
        return project_form(form_id)
    return next((own_form(own) for own in ownforms.served_to(user) if own.form_id == form_id), None)


def phone_form(form_id: str) -> xlsforms.PhoneForm | None:
    """How a submission of ``form_id`` is read: a project form, or an own form read as the
    project's form of its observation type (its repeat, its columns)."""
    if form_id in xlsforms.FORMS_BY_ID:
        return xlsforms.FORMS_BY_ID[form_id]
    own = ownforms.latest(form_id)
    if own is None or own.kind not in ownforms.KINDS:
        return None
    project = ownforms.KINDS[own.kind]
    return xlsforms.PhoneForm(form_id, own.kind, own.title, repeat=project.repeat)
