"""A submission's XML read as the importer's rows: the phone's answers under the column names
its form was written from (``xlsforms.py``).

Groups are flattened (the importer reads ``grupo/hours`` as ``hours`` too); a repeat becomes one
row per item, with the questions asked once copied into each. Every row gets its record_id from
the instance's first version, so a resend or an edit (``deprecatedID``) updates the same records.
"""

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from django.utils.translation import gettext as _

from ojodeagua.imports.reading import Table

from .xlsforms import INSPECTION_PREFIX, PHOTO_PREFIX, PhoneForm

INSPECTION_ANSWER = re.compile(rf"^{INSPECTION_PREFIX}\d+_q(\d+)$")
# Questions of the form that are not the record's: the phone's own metadata.
NOT_RECORDED = frozenset({"deviceid", "start", "end", "today"})
MAX_RECORD_ID = 64


class SubmissionError(ValueError):
    """The XML is not an instance this server can keep; the message says why, in Spanish."""


@dataclass
class Instance:
    """What the XML says of itself: its form, version and ids, and its answers."""

    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    device_id: str
    root: Element = field(repr=False)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_instance(xml: bytes) -> Instance:
    try:
        # defusedxml: an entity that expands a billion times is refused, not expanded.
        root = ElementTree.fromstring(xml)
    except Exception as error:
        raise SubmissionError(_("El envío no es un XML legible.")) from error
    meta = {
        local(element.tag): (element.text or "").strip()
        for child in root
        if local(child.tag) == "meta"
        for element in child
    }
    instance_id = meta.get("instanceID", "")
    if not instance_id:
        raise SubmissionError(_("Al envío le falta meta/instanceID; el teléfono debe ponerlo."))
    if len(instance_id) > MAX_RECORD_ID - 11:
        raise SubmissionError(_("El meta/instanceID del envío es demasiado largo."))
    device = root.find("{*}deviceid")
    if device is None:
        device = root.find("deviceid")
    return Instance(
        form_id=root.get("id", ""),
        version=root.get("version", ""),
        instance_id=instance_id,
        deprecated_id=meta.get("deprecatedID", ""),
        device_id=((device.text or "").strip() if device is not None else "")[:100],
        root=root,
    )


def answers(element: Element, repeat: str | None) -> tuple[dict[str, str], list[Element]]:
    """The answers under ``element`` by question name, and the repeat items found."""
    found: dict[str, str] = {}
    items: list[Element] = []
    for child in element:
        name = local(child.tag)
        if name == "meta" or name in NOT_RECORDED or name.startswith(PHOTO_PREFIX):
            continue  # the phone's own notes, and photos (kept with the submission)
        if repeat is not None and name == repeat:
            items.append(child)
        elif len(child):
            inner, more = answers(child, repeat)
            found.update(inner)
            items.extend(more)
        else:
            if match := INSPECTION_ANSWER.match(name):
                name = f"inspection_q{match.group(1)}"
            text = (child.text or "").strip()
            if text or name not in found:
                found[name] = text
    return found, items


@dataclass
class Rows:
    """The rows a submission makes, and how to name each in a message (a day, a result)."""

    table: Table
    item_label: str


def rows_for(
    form: PhoneForm, instance: Instance, root_instance_id: str, corrections: dict[str, str]
) -> Rows:
    repeat = form.repeat
    top, items = answers(instance.root, repeat.name if repeat else None)
    top.update({k: v for k, v in corrections.items() if "." not in k})
    rows: list[dict[str, str]] = []
    if repeat is None:
        rows.append({**top, "record_id": root_instance_id})
    else:
        for number, item in enumerate(items, start=1):
            values, _nested = answers(item, None)
            values.update(
                {
                    k.split(".", 1)[1]: v
                    for k, v in corrections.items()
                    if k.startswith(f"{number}.")
                }
            )
            if repeat.one_record:
                record_id = root_instance_id
            else:
                # One record per item, named by its position: stable when the phone resends
                # or edits the instance.
                record_id = f"{root_instance_id}#{number}"
            rows.append({**top, **values, "record_id": record_id})
        if not rows:
            rows.append({**top, "record_id": root_instance_id})
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    return Rows(
        Table(encoding="xml", columns=columns, rows=list(enumerate(rows, start=1))),
        str(repeat.label) if repeat else "",
    )
