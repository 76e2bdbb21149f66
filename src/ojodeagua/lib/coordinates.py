"""Parse coordinates as INEGI writes them: decimal degrees, DMS text, or packed DDDMMSS digits."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

_DMS = re.compile(
    r"""^\s*(?P<deg>\d{1,3}(?:\.\d+)?)\s*[°º:\s]\s*
        (?:(?P<min>\d{1,2}(?:\.\d+)?)\s*['\u2019\u2032:\s]?\s*)?
        (?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:"|''|\u201d|\u2033)?\s*)?
        (?P<hem>[NSEWO])?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_PACKED = re.compile(r"^\s*(?P<deg>\d{2,3})(?P<min>\d{2})(?P<sec>\d{2}(?:\.\d+)?)\s*$")
_DECIMAL = re.compile(r"^\s*[+-]?\d{1,3}(?:\.\d+)?\s*$")
_SIX_PLACES = Decimal("0.000001")


class CoordinateError(ValueError):
    """A coordinate that cannot be read; the message is for the person fixing the file."""


def parse_coordinate(text: str, *, axis: str) -> Decimal | None:
    """Return signed decimal degrees (6 places) or None for an empty cell.

    ``axis`` is ``"lat"`` or ``"lon"``. INEGI's packed form (``0931612``) and DMS without a
    hemisphere letter carry no sign; in Mexico every longitude is west, so an unsigned
    longitude in those forms is made negative.
    """
    if text is None or not text.strip() or text.strip() in {"*", "N/D", "ND", "-"}:
        return None
    text = text.strip()
    limit = 90 if axis == "lat" else 180
    if _DECIMAL.match(text) and ("." in text or text.startswith(("-", "+")) or len(text) <= 3):
        value = Decimal(text)
    elif match := _PACKED.match(text):
        value = _from_parts(match["deg"], match["min"], match["sec"])
        if axis == "lon":
            value = -value
    elif match := _DMS.match(text.replace(",", ".")):
        value = _from_parts(match["deg"], match["min"], match["sec"])
        hemisphere = (match["hem"] or "").upper()
        if hemisphere in {"S", "W", "O"} or (axis == "lon" and not hemisphere):
            value = -value
        if hemisphere in {"E", "W", "O"} and axis == "lat":
            raise CoordinateError(
                _("«%(text)s» es una longitud, pero está en la columna de latitud") % {"text": text}
            )
        if hemisphere in {"N", "S"} and axis == "lon":
            raise CoordinateError(
                _("«%(text)s» es una latitud, pero está en la columna de longitud") % {"text": text}
            )
    else:
        raise CoordinateError(
            _(
                "no se entiende la coordenada «%(text)s»; use grados decimales (16.799) "
                "o grados, minutos y segundos (16°47'58.1\" N)"
            )
            % {"text": text}
        )
    if abs(value) > limit:
        raise CoordinateError(
            _("la coordenada «%(text)s» está fuera de rango (máximo %(limit)s°)")
            % {"text": text, "limit": limit}
        )
    return value.quantize(_SIX_PLACES)


def _from_parts(degrees: str, minutes: str | None, seconds: str | None) -> Decimal:
    try:
        deg = Decimal(degrees)
        mins = Decimal(minutes or 0)
        secs = Decimal(seconds or 0)
    except InvalidOperation as error:  # pragma: no cover - the regexes only pass digits
        raise CoordinateError(str(error)) from error
    if mins >= 60 or secs >= 60:
        raise CoordinateError(_("los minutos y los segundos deben ser menores de 60"))
    return deg + mins / 60 + secs / 3600
