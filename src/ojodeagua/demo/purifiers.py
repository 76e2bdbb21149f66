"""The demo's household and school UV units ("Mesitas Azules"): registered, visited, tested and
given new lamps through ``purifiers.services``, as a facilitator's team would.

Three committees' localities have eight household units each, and every school one. Most are
visited each quarter; a few fell out of use, a few lamps are past their date, and the E. coli
tests show what the units take out. A random source of its own keeps the rest of the demo as it
was.
"""

import datetime
import random
from decimal import Decimal

from ojodeagua.facilities.models import School
from ojodeagua.providers.models import Provider
from ojodeagua.purifiers import services
from ojodeagua.purifiers.models import Unit

from .calendar import current

HOUSEHOLDS_PER_LOCALITY = 8
MODELS = ("Mesita Azul v3", "Mesita Azul v4")
REPAIRS = (
    "Se cambió el tubo de cuarzo, que estaba rajado.",
    "Se cambió la llave de salida, que goteaba.",
    "Se arregló el cable del balastro.",
)


def build_purifiers(committees: list[Provider], schools: list[School]) -> dict[str, int]:
    rng = random.Random("purificadores")
    reference = current().reference
    counts = {"purifier_units": 0, "purifier_visits": 0, "purifier_tests": 0}
    counts["purifier_repairs"] = 0
    placed = []
    for committee in committees[:3]:
        for number in range(1, HOUSEHOLDS_PER_LOCALITY + 1):
            placed.append((committee, committee.locality, Unit.Owner.HOUSEHOLD, None, number))
    for school in schools:
        provider = school.water_system.provider if school.water_system else None
        placed.append((provider, school.locality, Unit.Owner.SCHOOL, school, 0))
    for index, (provider, locality, owner, school, number) in enumerate(placed):
        installed = reference - datetime.timedelta(days=rng.randint(200, 700))
        unit, _created = services.register_unit(
            None,
            locality=locality,
            installed_on=installed,
            owner=owner,
            place_label=f"Casa {number}" if owner == Unit.Owner.HOUSEHOLD else "",
            school=school,
            provider=provider,
            unit_model=rng.choice(MODELS),
            record_id=f"demo-purificador-{index}",
        )
        counts["purifier_units"] += 1
        # Quarterly visits from installation; some units were left aside along the way.
        falls_out = rng.random() < 0.2
        lamp_fails = rng.random() < 0.15
        day, visit = installed + datetime.timedelta(days=rng.randint(20, 40)), 0
        while day <= reference:
            late = day > reference - datetime.timedelta(days=120)
            services.record_visit(
                None,
                unit,
                visited_on=day,
                in_use=not (falls_out and late),
                is_clean=rng.random() < 0.8,
                lamp_working=not (lamp_fails and late),
                stored_water_covered=rng.random() < 0.75,
                record_id=f"demo-purificador-{index}-visita-{visit}",
            )
            counts["purifier_visits"] += 1
            if visit % 2 == 1:
                clean = not (lamp_fails and late) and rng.random() < 0.9
                services.record_test(
                    None,
                    unit,
                    sampled_on=day,
                    method="mpn",
                    ecoli_before=Decimal(rng.choice([12, 35, 80, 150, 240])),
                    ecoli_after=Decimal("0") if clean else Decimal(rng.choice([2, 5, 14])),
                    record_id=f"demo-purificador-{index}-prueba-{visit}",
                )
                counts["purifier_tests"] += 1
            visit += 1
            day += datetime.timedelta(days=rng.randint(80, 100))
        if index % 6 == 0:
            services.record_repair(
                None,
                unit,
                done_on=installed + datetime.timedelta(days=rng.randint(60, 150)),
                what=rng.choice(REPAIRS),
                record_id=f"demo-purificador-{index}-arreglo",
            )
            counts["purifier_repairs"] += 1
        # Most lamps were changed on time; a few were not, and are past their date now.
        first_due = unit.lamp_due_on
        if first_due <= reference and rng.random() < 0.7:
            services.record_lamp_change(
                None,
                unit,
                done_on=first_due,
                record_id=f"demo-purificador-{index}-lampara",
            )
    return counts
