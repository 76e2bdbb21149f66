"""A locality whose public page is known line by line, in a municipality of its own.

Localidad Las Flores (079970001), served by:
  the gravity network "Red Las Flores" of the committee "Comité de Agua Las Flores", whose
  president is Rosa Pérez Gómez (a name no public page may show): visited on 20 November 2026
  and working; no water on 25 November (broken pipe); the tap sample of 12 November 2026 had
  E. coli (validated); a sample of 30 November still waiting for review also had E. coli and
  must not be shown;
  the kiosk "Kiosco Las Flores" of the women's group "Mujeres del Kiosco": its water passed
  E. coli on 3 November.
A school, "Escuela Primaria Benito Juárez", drinks from the network.
The engine's figure: 5.5 days of water a week in November 2026.
Complaints: one a user filed naming herself (Juana Hernández López, 961 555 0101) and nobody
reviewed; one the committee reviewed for showing as "Fuga en la calle principal".
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ojodeagua.facilities.models import School
from ojodeagua.indicators.catalogue import Code
from ojodeagua.indicators.models import Entity, IndicatorValue
from ojodeagua.integrity.models import Complaint
from ojodeagua.monitoring.observation import Observation
from ojodeagua.monitoring.tests.factories import make_supply_day, make_visit
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Member, Provider, Sex
from ojodeagua.waterquality.models import Sample
from ojodeagua.waterquality.tests.factories import judged_sample
from ojodeagua.watersystems.models import ServedLocality, WaterSystem

KEY = "079970001"
PERSONAL = (
    "Rosa Pérez Gómez",
    "Juana Hernández López",
    "961 555 0101",
    "Juana dice que",
)
VALIDATED = Observation.State.VALIDATED


@dataclass
class Flores:
    locality: Locality
    committee: Provider
    kiosk_group: Provider
    network: WaterSystem
    kiosk: WaterSystem
    school: School


def build() -> Flores:
    state = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})[0]
    municipality = Municipality.objects.create(state=state, key="07997", name="Municipio Flores")
    locality = Locality.objects.create(
        municipality=municipality, key=KEY, name="Las Flores", population=800, dwellings=200
    )
    committee = Provider.objects.create(
        name="Comité de Agua Las Flores",
        kind=Provider.Kind.COMMITTEE,
        municipality=municipality,
        locality=locality,
        public_contact="Casa ejidal, sábados de 9 a 12",
    )
    Member.objects.create(
        provider=committee, name="Rosa Pérez Gómez", role=Member.Role.PRESIDENT, sex=Sex.FEMALE
    )
    kiosk_group = Provider.objects.create(
        name="Mujeres del Kiosco",
        kind=Provider.Kind.KIOSK,
        municipality=municipality,
        locality=locality,
    )
    network = WaterSystem.objects.create(
        name="Red Las Flores",
        kind=WaterSystem.Kind.GRAVITY,
        provider=committee,
        locality=locality,
        municipality=municipality,
    )
    ServedLocality.objects.create(system=network, locality=locality, households=180)
    kiosk = WaterSystem.objects.create(
        name="Kiosco Las Flores",
        kind=WaterSystem.Kind.KIOSK,
        provider=kiosk_group,
        locality=locality,
        municipality=municipality,
    )
    school = School.objects.create(
        name="Escuela Primaria Benito Juárez",
        locality=locality,
        water_system=network,
        level=School.Level.PRIMARY,
    )
    make_visit(network, datetime.date(2026, 11, 20), state=VALIDATED)
    make_supply_day(
        network, datetime.date(2026, 11, 25), 0, state=VALIDATED, no_water_reason="broken_pipe"
    )
    judged_sample(locality, network, datetime.date(2026, 11, 12), [("e_coli", "fail")])
    judged_sample(
        locality,
        network,
        datetime.date(2026, 11, 30),
        [("e_coli", "fail")],
        state=Observation.State.SUBMITTED,
    )
    kiosk_sample = judged_sample(locality, kiosk, datetime.date(2026, 11, 3), [("e_coli", "pass")])
    Sample.objects.filter(pk=kiosk_sample.pk).update(sampling_point=Sample.Point.KIOSK)
    IndicatorValue.objects.create(
        indicator=Code.DAYS_PER_WEEK,
        entity=Entity.LOCALITY,
        entity_id=locality.pk,
        period=datetime.date(2026, 11, 1),
        window_start=datetime.date(2026, 11, 1),
        window_end=datetime.date(2026, 11, 30),
        value=5.5,
        computed_at=timezone.now(),
        municipality_id=municipality.pk,
    )
    Complaint.objects.create(
        provider=committee,
        received_on=datetime.date(2026, 11, 28),
        respond_by=datetime.date(2026, 12, 13),
        what="Juana dice que el agua sale turbia",
        reported_by="Juana Hernández López",
        reporter_phone="961 555 0101",
        reporter_sex=Sex.FEMALE,
    )
    Complaint.objects.create(
        provider=committee,
        received_on=datetime.date(2026, 11, 2),
        respond_by=datetime.date(2026, 11, 17),
        what="Hay una fuga frente a la casa de Rosa Pérez Gómez",
        public_summary="Fuga en la calle principal",
        status=Complaint.Status.ANSWERED,
        answered_on=datetime.date(2026, 11, 5),
        answer="El fontanero la reparó el 5 de noviembre.",
    )
    return Flores(locality, committee, kiosk_group, network, kiosk, school)
