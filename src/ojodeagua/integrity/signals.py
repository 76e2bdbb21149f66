"""Named data checks that a catalogue risk can point to (``Signal.check_code``).

Checks live here, in code; which risk shows which check is data, so a new check is attached
to a risk without touching the catalogue code. The checks themselves come with the cycle.
"""

from django.utils.translation import gettext_lazy as _

CHECKS: dict[str, object] = {
    "no_chlorine_reading_30_days": _("Sin lectura de cloro en 30 días en un sistema que clora"),
    "complaints_overdue": _("Quejas abiertas después de su fecha para responder"),
    "no_deposit_60_days": _("Sin depósito registrado en 60 días"),
    "expenses_under_threshold": _("Muchos gastos apenas debajo del monto que pide cotizaciones"),
    "receipt_sequence_gaps": _("Huecos en la numeración de los recibos"),
}
