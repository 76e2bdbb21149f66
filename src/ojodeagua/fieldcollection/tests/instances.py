"""Submission instances as a phone writes them, and the multipart bodies Collect posts."""

import uuid
from xml.sax.saxutils import escape

from django.core.files.uploadedfile import SimpleUploadedFile

from ojodeagua.fieldcollection import xlsforms


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def _elements(values: dict) -> str:
    parts = []
    for name, value in values.items():
        if isinstance(value, list):
            parts.extend(f"<{name}>{_elements(item)}</{name}>" for item in value)
        elif isinstance(value, dict):
            parts.append(f"<{name}>{_elements(value)}</{name}>")
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(parts)


def instance_xml(
    form_id: str,
    values: dict,
    *,
    instance_id: str,
    deprecated_id: str = "",
    version: str | None = None,
) -> bytes:
    """The XML of a filled form: its answers (lists for repeats, dicts for groups) and meta."""
    if version is None:
        version = xlsforms.built(form_id).version
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated_id:
        meta += f"<deprecatedID>{deprecated_id}</deprecatedID>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
        f'id="{form_id}" version="{version}">{_elements(values)}'
        f"<meta>{meta}</meta></data>"
    ).encode()


def post_data(xml: bytes, *files: tuple[str, bytes, str]) -> dict:
    """The parts Collect posts: the instance, then one part per file, named as the file."""
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    for name, content, content_type in files:
        data[name] = SimpleUploadedFile(name, content, content_type)
    return data
