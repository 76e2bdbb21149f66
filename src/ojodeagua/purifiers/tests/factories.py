"""A municipality of its own for the purifier tests, and people with scope over it.

Everything is written through ``purifiers.services`` (actor None is the system), as the pages,
the importer and the API write it, so the tests read what those ways in would store.

People (all signed in with the Django test client by ``force_login``):
  facilitadora  a facilitator of an NGO over the whole municipality (edits every unit in it)
  tesorero      a committee member of committee P1 only, which runs the system of Los Pinos
                (sees that locality; edits the units P1 accompanies)
  lectora       a viewer over the whole municipality (reads, writes nothing)
  ajena         a facilitator over another municipality (sees none of these units)
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User

from ojodeagua.facilities.models import School
from ojodeagua.organisations.models import Membership, Organisation
from ojodeagua.places.models import Locality, Municipality, State
from ojodeagua.providers.models import Provider
from ojodeagua.providers.tests.factories import make_system
from ojodeagua.purifiers import services
from ojodeagua.purifiers.models import Unit

Role = Membership.Role


@dataclass
class Area:
    municipality: Municipality
    other_municipality: Municipality
    localities: dict[str, Locality]
    providers: dict[str, Provider]
    school: School
    people: dict[str, User]


def person(username: str, role: str, *, municipalities=(), providers=()) -> User:
    user = User.objects.create_user(username, password="x")
    organisation = Organisation.objects.create(
        name=f"Organización de {username}", kind=Organisation.Kind.NGO
    )
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    membership.municipalities.add(*municipalities)
    membership.providers.add(*providers)
    return user


def build_area() -> Area:
    state = State.objects.get_or_create(key="07", defaults={"name": "Chiapas"})[0]
    municipality = Municipality.objects.create(state=state, key="07996", name="Municipio UV")
    other = Municipality.objects.create(state=state, key="07995", name="Municipio vecino")
    localities = {
        "L1": Locality.objects.create(
            municipality=municipality, key="079960001", name="Los Pinos", population=400
        ),
        "L2": Locality.objects.create(
            municipality=municipality, key="079960002", name="El Mirador", population=250
        ),
        "L9": Locality.objects.create(
            municipality=other, key="079950001", name="Lejanía", population=100
        ),
    }
    providers = {
        "P1": Provider.objects.create(
            name="Comité UV Los Pinos",
            kind=Provider.Kind.COMMITTEE,
            municipality=municipality,
            locality=localities["L1"],
        ),
        "P2": Provider.objects.create(
            name="Comité UV El Mirador",
            kind=Provider.Kind.COMMITTEE,
            municipality=municipality,
            locality=localities["L2"],
        ),
    }
    # P1 runs the system of Los Pinos: its people see that locality (Locality.in_area).
    make_system(providers["P1"], "Sistema Los Pinos", locality=localities["L1"])
    school = School.objects.create(
        name="Escuela Benito Juárez", locality=localities["L1"], level=School.Level.PRIMARY
    )
    people = {
        "facilitadora": person("facilitadora", Role.FACILITATOR, municipalities=[municipality]),
        "tesorero": person("tesorero", Role.COMMITTEE_MEMBER, providers=[providers["P1"]]),
        "lectora": person("lectora", Role.VIEWER, municipalities=[municipality]),
        "ajena": person("ajena", Role.FACILITATOR, municipalities=[other]),
    }
    return Area(municipality, other, localities, providers, school, people)


def unit(locality: Locality, label: str, installed_on: datetime.date, **fields) -> Unit:
    """A household's unit, registered by the system."""
    fields.setdefault("place_label", label)
    made, _created = services.register_unit(
        None, locality=locality, installed_on=installed_on, **fields
    )
    return made


def visit(target: Unit, day: datetime.date, in_use=True, lamp_working=True, **fields):
    fields.setdefault("is_clean", True)
    fields.setdefault("stored_water_covered", True)
    return services.record_visit(
        None, target, visited_on=day, in_use=in_use, lamp_working=lamp_working, **fields
    )[0]


def ecoli_result(target: Unit, day: datetime.date, after=None, before=None, **fields):
    return services.record_test(
        None, target, sampled_on=day, ecoli_after=after, ecoli_before=before, **fields
    )[0]
