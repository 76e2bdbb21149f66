"""Build the demo: a synthetic municipality modelled on Berriozábal (07012), same every time."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ojodeagua.books.score import providers_with_books
from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.indicators.engine import refresh_books
from ojodeagua.organisations.models import Membership, Organisation
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Member, Provider, Sex
from ojodeagua.watersystems.models import Component, Known, ServedLocality, Source, WaterSystem

from . import calendar
from .books import build_books
from .history import build_history
from .integrity import build_integrity
from .models import DemoDataset
from .purifiers import build_purifiers

DEMO_VERSION = 1
SEED = 7012
DEMO_PASSWORD = "demo"
CATALOGUE = "Demostración (sintético)"

# Nouns by grammatical gender, so that generated names read as real Chiapas place names.
PLACE_MASCULINE = [
    "Zapote",
    "Ocote",
    "Mirador",
    "Carmen",
    "Paraíso",
    "Pedregal",
    "Limón",
    "Jardín",
    "Recreo",
    "Tule",
    "Palmar",
    "Naranjo",
    "Cerrito",
    "Aguacate",
    "Porvenir",
    "Manantial",
    "Encanto",
    "Sabinal",
    "Amate",
    "Roble",
    "Chorro",
    "Durazno",
    "Nance",
    "Jobo",
    "Mango",
    "Cedro",
    "Paso",
    "Tepeyac",
    "Progreso",
    "Triunfo",
]
PLACE_FEMININE = [
    "Esperanza",
    "Laguna",
    "Cascada",
    "Ceiba",
    "Alianza",
    "Unión",
    "Victoria",
    "Libertad",
    "Providencia",
    "Loma",
    "Gloria",
    "Independencia",
    "Pimienta",
    "Candelaria",
]
SAINTS = [
    "San José",
    "San Pedro",
    "San Antonio",
    "San Miguel",
    "San Isidro",
    "San Juan",
    "San Francisco",
    "Santa Rosa",
    "Santa Cruz",
    "Santa Lucía",
    "Santa Martha",
    "San Vicente",
]
FIRST_NAMES_F = [
    "María",
    "Juana",
    "Rosa",
    "Guadalupe",
    "Margarita",
    "Verónica",
    "Petrona",
    "Catalina",
    "Elena",
    "Teresa",
    "Micaela",
    "Josefa",
    "Lucía",
    "Andrea",
    "Martha",
]
FIRST_NAMES_M = [
    "José",
    "Juan",
    "Pedro",
    "Manuel",
    "Antonio",
    "Francisco",
    "Miguel",
    "Domingo",
    "Sebastián",
    "Mariano",
    "Alonso",
    "Ernesto",
    "Raúl",
    "Jacinto",
    "Rigoberto",
]
SURNAMES = [
    "Gómez",
    "Pérez",
    "López",
    "Hernández",
    "Díaz",
    "Ruiz",
    "Cruz",
    "Méndez",
    "Vázquez",
    "Sántiz",
    "Jiménez",
    "Morales",
    "Gutiérrez",
    "Velasco",
    "Cancino",
    "Toledo",
    "Nandayapa",
]
MEMBER_ROLES = [
    Member.Role.PRESIDENT,
    Member.Role.TREASURER,
    Member.Role.SECRETARY,
    Member.Role.VIGILANCE,
    Member.Role.OPERATOR,
]
BERRIOZABAL = ("07012", "Berriozábal")
NEIGHBOUR = ("07061", "Ocozocoautla de Espinosa")


# How users reach a demo committee, as its public page says it: a place and a time, no person.
PUBLIC_CONTACTS = (
    "En la casa ejidal, los sábados de 9 a 12",
    "En la agencia municipal, los lunes por la tarde",
    "Con el comité en la escuela, el primer domingo del mes",
)


@dataclass
class DemoSummary:
    localities: int
    # The providers of the agency's municipality, as its home counts them (every kind), then
    # by kind; and those of the neighbouring municipality, there to show what lies outside.
    providers: int
    committees: int
    school_committees: int
    schools: int
    kiosks: int
    health_centres: int
    providers_elsewhere: int = 0
    # Rows of service history written, by kind (see history.py).
    history: dict[str, int] | None = None


class DemoBuilder:
    def __init__(self) -> None:
        self.random = random.Random(SEED)
        self.used_names: set[str] = set()
        self.stream_intake_built = False

    def person(self, sex: str) -> str:
        first = FIRST_NAMES_F if sex == Sex.FEMALE else FIRST_NAMES_M
        return (
            f"{self.random.choice(first)} {self.random.choice(SURNAMES)} "
            f"{self.random.choice(SURNAMES)}"
        )

    def place_name(self) -> str:
        patterns = [
            lambda: f"El {self.random.choice(PLACE_MASCULINE)}",
            lambda: f"La {self.random.choice(PLACE_FEMININE)}",
            lambda: f"Nueva {self.random.choice(PLACE_FEMININE)}",
            lambda: f"Ejido {self.random.choice(PLACE_MASCULINE)}",
            lambda: f"Rancho El {self.random.choice(PLACE_MASCULINE)}",
            lambda: f"Colonia La {self.random.choice(PLACE_FEMININE)}",
            lambda: self.random.choice(SAINTS),
        ]
        while True:
            name = self.random.choice(patterns)()
            if self.random.random() < 0.2:
                name += f" {self.random.choice(['Primera Sección', 'Segunda Sección', 'Anexo'])}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    # Places ----------------------------------------------------------------------------------
    def municipality(self, state: State, key_name: tuple[str, str], count: int) -> list[Locality]:
        key, name = key_name
        municipality = Municipality.objects.create(state=state, key=key, name=name)
        base_lat, base_lon = (16.80, -93.27) if key == BERRIOZABAL[0] else (16.76, -93.37)
        localities = [
            Locality(
                municipality=municipality,
                key=f"{key}0001",
                name=name,
                area=Locality.Area.URBAN,
                population=self.random.randint(30000, 48000),
                latitude=Decimal(str(base_lat)).quantize(Decimal("0.000001")),
                longitude=Decimal(str(base_lon)).quantize(Decimal("0.000001")),
                altitude=self.random.randint(850, 950),
                catalogue_version=CATALOGUE,
            )
        ]
        for index in range(2, count + 1):
            population = int(self.random.triangular(15, 2400, 250))
            dwellings = max(population // 4, 3)
            localities.append(
                Locality(
                    municipality=municipality,
                    key=f"{key}{index * 7:04d}",
                    name=self.place_name(),
                    area=Locality.Area.RURAL,
                    population=population,
                    dwellings=dwellings + self.random.randint(0, 10),
                    inhabited_dwellings=dwellings,
                    latitude=Decimal(base_lat + self.random.uniform(-0.12, 0.12)).quantize(
                        Decimal("0.000001")
                    ),
                    longitude=Decimal(base_lon + self.random.uniform(-0.12, 0.12)).quantize(
                        Decimal("0.000001")
                    ),
                    altitude=self.random.randint(600, 1300),
                    catalogue_version=CATALOGUE,
                )
            )
        return Locality.objects.bulk_create(localities)

    # Providers and systems ---------------------------------------------------------------------
    def members(self, provider: Provider, women_share: float = 0.35) -> None:
        # The current committee took office 10 to 21 months before the demo's latest month.
        start = calendar.add_months(calendar.current().reference, self.random.randint(1, 12) - 22)
        rows = []
        for role in MEMBER_ROLES:
            sex = Sex.FEMALE if self.random.random() < women_share else Sex.MALE
            rows.append(
                Member(
                    provider=provider,
                    name=self.person(sex),
                    role=role,
                    sex=sex,
                    term_start=start,
                    term_end=start.replace(year=start.year + 3) - datetime.timedelta(days=1),
                )
            )
        # The committee before: its term ended, kept as history.
        past_start = start.replace(year=start.year - 3)
        for role in MEMBER_ROLES[:2]:
            sex = Sex.MALE if self.random.random() < 0.7 else Sex.FEMALE
            rows.append(
                Member(
                    provider=provider,
                    name=self.person(sex),
                    role=role,
                    sex=sex,
                    term_start=past_start,
                    term_end=start - datetime.timedelta(days=1),
                )
            )
        Member.objects.bulk_create(rows)

    def system(
        self,
        *,
        name: str,
        kind: str,
        provider: Provider,
        locality: Locality,
        served: list[Locality],
        chlorinated: bool,
    ) -> WaterSystem:
        built = self.random.randint(1985, 2020)
        households = sum(loc.inhabited_dwellings or 40 for loc in served)
        system = WaterSystem.objects.create(
            name=name,
            kind=kind,
            provider=provider,
            locality=locality,
            latitude=locality.latitude,
            longitude=locality.longitude,
            construction_year=built,
            design_yield_lps=Decimal(self.random.randint(5, 60)) / 10,
            design_households=int(households * self.random.uniform(0.9, 1.4)) or None,
            chlorinates=Known.YES if chlorinated else Known.NO,
        )
        source_kind = {
            WaterSystem.Kind.GRAVITY: Source.Kind.SPRING,
            WaterSystem.Kind.PUMPED: Source.Kind.BOREHOLE,
            WaterSystem.Kind.POINT_SOURCE: Source.Kind.DUG_WELL,
            WaterSystem.Kind.RAINWATER: Source.Kind.RAINWATER,
        }.get(kind, Source.Kind.NETWORK)
        # Whether the source is under surface influence: a deep borehole or the roof is not;
        # a shallow dug well next to the stream is; of a spring, or of the network a kiosk
        # buys from, the committee does not know.
        influence = {
            Source.Kind.BOREHOLE: Known.NO,
            Source.Kind.RAINWATER: Known.NO,
            Source.Kind.DUG_WELL: Known.YES,
        }.get(source_kind, Known.UNKNOWN)
        if kind == WaterSystem.Kind.GRAVITY and not self.stream_intake_built:
            # One gravity system takes its water from a stream: a surface source.
            source_kind, influence = Source.Kind.STREAM, Known.YES
            self.stream_intake_built = True
        Source.objects.create(
            system=system,
            name=f"{source_kind.label.capitalize()} {locality.name}",
            kind=source_kind,
            protected=self.random.random() < 0.6,
            surface_influence=influence,
        )
        parts = {
            WaterSystem.Kind.GRAVITY: [
                Component.Kind.INTAKE,
                Component.Kind.CONDUCTION,
                Component.Kind.STORAGE,
                Component.Kind.DISTRIBUTION,
            ],
            WaterSystem.Kind.PUMPED: [
                Component.Kind.PUMP,
                Component.Kind.CONDUCTION,
                Component.Kind.STORAGE,
                Component.Kind.DISTRIBUTION,
            ],
            WaterSystem.Kind.POINT_SOURCE: [Component.Kind.PUBLIC_TAP],
            WaterSystem.Kind.RAINWATER: [Component.Kind.STORAGE, Component.Kind.FILTER],
            WaterSystem.Kind.KIOSK: [Component.Kind.FILTER, Component.Kind.UV],
            WaterSystem.Kind.SCHOOL: [
                Component.Kind.STORAGE,
                Component.Kind.FILTER,
                Component.Kind.UV,
            ],
        }[kind]
        if chlorinated:
            parts = [*parts, Component.Kind.CHLORINATOR]
        conditions = list(Component.Condition.values)
        Component.objects.bulk_create(
            Component(
                system=system,
                kind=part,
                install_year=min(
                    built + self.random.randint(0, 15), calendar.current().reference.year
                ),
                condition=self.random.choices(conditions, weights=[5, 4, 2, 1, 1])[0],
            )
            for part in parts
        )
        ServedLocality.objects.bulk_create(
            ServedLocality(system=system, locality=loc, households=loc.inhabited_dwellings or 40)
            for loc in served
        )
        return system

    def committees(self, municipality_localities: list[Locality], count: int) -> list[Provider]:
        rural = municipality_localities[1:]
        municipality = rural[0].municipality
        providers = []
        for index in range(count):
            seat = rural[index]
            served = [seat]
            # Some systems also reach a neighbouring hamlet.
            spare = rural[count + index] if count + index < len(rural) else None
            if spare is not None and index % 2 == 0:
                served.append(spare)
            kind_text = "Comité de Agua" if index % 4 else "Patronato de Agua Potable"
            provider = Provider.objects.create(
                name=f"{kind_text} {seat.name}",
                kind=Provider.Kind.COMMITTEE,
                municipality=municipality,
                locality=seat,
                established_year=self.random.randint(1990, 2022),
                public_contact=PUBLIC_CONTACTS[index % len(PUBLIC_CONTACTS)],
            )
            self.members(provider)
            kind = self.random.choices(
                [
                    WaterSystem.Kind.GRAVITY,
                    WaterSystem.Kind.PUMPED,
                    WaterSystem.Kind.POINT_SOURCE,
                    WaterSystem.Kind.RAINWATER,
                ],
                weights=[70, 15, 10, 5],
            )[0]
            self.system(
                name=f"Sistema de agua {seat.name}",
                kind=kind,
                provider=provider,
                locality=seat,
                served=served,
                chlorinated=kind in {WaterSystem.Kind.GRAVITY, WaterSystem.Kind.PUMPED}
                and self.random.random() < 0.6,
            )
            providers.append(provider)
        return providers

    def schools(self, localities: list[Locality], count: int) -> list[School]:
        municipality = localities[0].municipality
        levels = [School.Level.PRIMARY, School.Level.SECONDARY, School.Level.PRESCHOOL]
        schools = []
        for index in range(count):
            locality = localities[3 + index * 9]
            committee = Provider.objects.create(
                name=f"Comité escolar de agua, escuela {locality.name}",
                kind=Provider.Kind.SCHOOL,
                municipality=municipality,
                locality=locality,
            )
            self.members(committee, women_share=0.6)
            system = self.system(
                name=f"Purificadora escolar {locality.name}",
                kind=WaterSystem.Kind.SCHOOL,
                provider=committee,
                locality=locality,
                served=[],
                chlorinated=False,
            )
            girls, boys = self.random.randint(20, 180), self.random.randint(20, 180)
            schools.append(
                School.objects.create(
                    name=f"Escuela {levels[index % 3].label.capitalize()} {locality.name}",
                    key=f"07DPR{1000 + index:04d}X",
                    level=levels[index % 3],
                    locality=locality,
                    water_system=system,
                    students_female=girls,
                    students_male=boys,
                    staff_female=self.random.randint(1, 6),
                    staff_male=self.random.randint(1, 4),
                )
            )
        return schools

    def kiosks(self, localities: list[Locality], count: int) -> list[Provider]:
        municipality = localities[0].municipality
        kiosks = []
        for index in range(count):
            locality = localities[0] if index == 0 else localities[5]
            group = Provider.objects.create(
                name=f"Kiosco de agua Mujeres de {locality.name} {index + 1}",
                kind=Provider.Kind.KIOSK,
                municipality=municipality,
                locality=locality,
                established_year=2019 + index,
                public_contact="En el kiosco, de lunes a sábado de 8 a 14",
            )
            self.members(group, women_share=1.0)
            self.system(
                name=f"Kiosco de purificación {locality.name} {index + 1}",
                kind=WaterSystem.Kind.KIOSK,
                provider=group,
                locality=locality,
                served=[],
                chlorinated=False,
            )
            kiosks.append(group)
        return kiosks

    # Access -----------------------------------------------------------------------------------
    def user(self, username: str, first_name: str) -> object:
        user = get_user_model().objects.create(username=username, first_name=first_name)
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        return user

    @transaction.atomic
    def build(self) -> DemoSummary:
        state, _created = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})
        localities = self.municipality(state, BERRIOZABAL, 100)
        neighbours = self.municipality(state, NEIGHBOUR, 12)
        committees = self.committees(localities, 37)
        outside = self.committees(neighbours, 4)
        schools = self.schools(localities, 5)
        kiosks = self.kiosks(localities, 2)
        HealthCentre.objects.create(
            name=f"Centro de Salud {localities[2].name}",
            key="CSSSA001234",
            locality=localities[2],
            water_system=committees[1].systems.first(),
            staff_female=4,
            staff_male=2,
        )
        HealthCentre.objects.create(
            name=f"Casa de Salud {neighbours[1].name}",
            key="CSSSA009876",
            locality=neighbours[1],
            water_system=outside[0].systems.first(),
            staff_female=1,
        )

        municipality = localities[0].municipality
        agency = Organisation.objects.create(
            name="Organismo Municipal de Agua y Saneamiento de Berriozábal (demo)",
            kind=Organisation.Kind.AGENCY,
        )
        ngo = Organisation.objects.create(
            name="Agua Clara A. C. (demo)", kind=Organisation.Kind.NGO
        )
        treasurer_committee = committees[0]
        committee_org = Organisation.objects.create(
            name=treasurer_committee.name,
            kind=Organisation.Kind.COMMITTEE,
            provider=treasurer_committee,
        )
        agencia = self.user("agencia", "Coordinación municipal")
        ong = self.user("ong", "Facilitadora")
        tesorera = self.user("tesorera", "Tesorera")
        Membership.objects.create(
            user=agencia, organisation=agency, role=Membership.Role.COORDINATOR
        ).municipalities.add(municipality)
        # The facilitator accompanies every kind of provider in her area: community committees,
        # the women's kiosks and the school committees.
        school_committees = [school.water_system.provider for school in schools]
        Membership.objects.create(
            user=ong, organisation=ngo, role=Membership.Role.FACILITATOR
        ).providers.add(*committees[:12], *kiosks, *school_committees)
        Membership.objects.create(
            user=tesorera, organisation=committee_org, role=Membership.Role.COMMITTEE_MEMBER
        ).providers.add(treasurer_committee)
        treasurer = treasurer_committee.members.current().get(role=Member.Role.TREASURER)
        treasurer.name, treasurer.sex = "Rosa Gómez Sántiz", Sex.FEMALE
        treasurer.save(update_fields=["name", "sex"])

        history = build_history(home_municipality_id=municipality.pk)
        history.update(build_integrity(committees))
        history.update(build_books(committees, kiosks, schools))
        history.update(build_purifiers(committees, schools))
        # The indicators were computed before the books were written: add the books' figures.
        history["books_indicator_values"] = refresh_books(providers_with_books())

        DemoDataset.objects.create(
            version=DEMO_VERSION, reference_date=calendar.current().reference
        )
        cache.delete("ojodeagua:is-demo")
        home_providers = Provider.objects.filter(municipality=municipality)
        return DemoSummary(
            localities=len(localities),
            providers=home_providers.count(),
            committees=home_providers.filter(kind=Provider.Kind.COMMITTEE).count(),
            school_committees=home_providers.filter(kind=Provider.Kind.SCHOOL).count(),
            providers_elsewhere=Provider.objects.exclude(municipality=municipality).count(),
            schools=len(schools),
            kiosks=len(kiosks),
            health_centres=1,
            history=history,
        )


def demo_loaded() -> bool:
    return DemoDataset.objects.exists()


def loaded_reference() -> datetime.date | None:
    """The last day of the loaded demo's latest month (None if no demo, or one from before)."""
    return DemoDataset.objects.values_list("reference_date", flat=True).first()


def load_demo(today: datetime.date | None = None) -> DemoSummary | None:
    """Load the demo once, its 24 months ending with the last full month before `today`.

    `today` defaults to the real today; None is returned when a demo is already there.
    """
    if demo_loaded():
        return None
    with calendar.use(today or timezone.localdate()):
        return DemoBuilder().build()
