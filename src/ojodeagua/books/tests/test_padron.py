"""The padrón's privacy rule and pages, as the committee, its coach and the municipal agency."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from ojodeagua.audit.models import AuditEvent
from ojodeagua.books.models import Connection, Household
from ojodeagua.books.padron import may_see_names, padron_counts
from ojodeagua.books.tests.factories import add_household, add_rule, treasurers_new_committee
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider

D = datetime.date
NAME = "Rosalba Pérez Gómez"
# The assembly's rule for older adults, as the padrón pages show it.
ELDERS_RULE = {
    "name": "Personas adultas mayores",
    "approved_on": D(2025, 3, 2),
    "minutes_reference": "Acta de asamblea 3/2025",
}
OTHER_NAME = "Eusebio Díaz Hernández"


@pytest.fixture
def own_committee(db) -> Provider:
    """The demo's first committee: the one the treasurer belongs to."""
    return treasurers_new_committee()


@pytest.fixture
def uncoached_committee(db) -> Provider:
    """A committee of the municipality that the NGO does not accompany."""
    coached = Membership.objects.get(user__username="ong").providers.values("pk")
    return (
        Provider.objects.filter(kind="committee", municipality__key="07012")
        .exclude(pk__in=coached)
        .first()
    )


@pytest.fixture
def outside_committee(db) -> Provider:
    """A committee in another municipality: outside everybody's area but a superuser's."""
    return Provider.objects.exclude(municipality__key="07012").first()


def user(username: str) -> User:
    return User.objects.get(username=username)


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# The rule ---------------------------------------------------------------------------------------
def test_names_are_for_the_committee_and_its_coaches_not_for_the_whole_municipality(
    own_committee, uncoached_committee, outside_committee
):
    assert may_see_names(user("tesorera"), own_committee)
    assert may_see_names(user("ong"), own_committee)
    # The agency coordinator sees every committee of the municipality, but not their names.
    assert not may_see_names(user("agencia"), own_committee)
    assert not may_see_names(user("agencia"), uncoached_committee)
    assert not may_see_names(user("tesorera"), uncoached_committee)
    assert not may_see_names(user("ong"), uncoached_committee)
    kiosk = Provider.objects.filter(kind="kiosk").first()
    assert may_see_names(user("ong"), kiosk)
    assert not may_see_names(user("tesorera"), kiosk)
    admin = User.objects.create_superuser("raiz", "raiz@example.org", "x")
    assert may_see_names(admin, outside_committee)


def test_an_inactive_membership_gives_no_names(own_committee):
    Membership.objects.filter(user__username="tesorera").update(active=False)
    assert not may_see_names(user("tesorera"), own_committee)


# The padrón page ---------------------------------------------------------------------------------
def test_the_treasurer_sees_the_names_of_her_padron(tesorera, own_committee):
    rule = add_rule(own_committee, **ELDERS_RULE)
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(own_committee, "2", OTHER_NAME, code="T-2", status="suspended")
    add_household(
        own_committee,
        "3",
        "Herminia López",
        code="T-3",
        status="exempt",
        exemption=rule,
        exemption_reason="Tiene 82 años",
    )
    response = tesorera.get(reverse("books:padron", args=[own_committee.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert NAME in page and OTHER_NAME in page
    assert "Tiene 82 años" in page
    assert "Personas adultas mayores" in page
    assert "suspendida" in page and "exenta" in page
    assert "El padrón tiene 3 hogares." in page
    assert "Hay 3 tomas: 1 activas, 1 suspendidas y 1 exentas." in page
    assert reverse("books:household_create", args=[own_committee.pk]) in page
    assert reverse("books:padron_import", args=[own_committee.pk]) in page
    assert 'type="file"' in page  # the padrón file can be uploaded from here
    assert "?nombres=1" in page


def test_the_agency_sees_the_padron_in_numbers_without_names(agencia, own_committee):
    rule = add_rule(own_committee, **ELDERS_RULE)
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(
        own_committee,
        "2",
        OTHER_NAME,
        code="T-2",
        status="exempt",
        exemption=rule,
        exemption_reason="Viuda desde 2024",
    )
    response = agencia.get(reverse("books:padron", args=[own_committee.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert NAME not in page and OTHER_NAME not in page
    assert "Viuda desde 2024" not in page
    assert "Núm. 1" in page and "Toma T-2" in page
    assert "El padrón tiene 2 hogares." in page
    assert "sin nombres ni direcciones" in page
    # Neither the edit links nor the export with names are offered.
    assert reverse("books:household_create", args=[own_committee.pk]) not in page
    assert reverse("books:padron_import", args=[own_committee.pk]) not in page
    assert "?nombres=1" not in page
    # Searching by a name must not tell her whether the name is on the padrón.
    found = agencia.get(reverse("books:padron", args=[own_committee.pk]), {"q": "Rosalba"})
    assert "0 hogares coinciden" in found.content.decode()
    by_number = agencia.get(reverse("books:padron", args=[own_committee.pk]), {"q": "T-2"})
    assert "1 hogar coincide" in by_number.content.decode()


def test_the_coach_sees_the_names_of_her_committees_only(ong, own_committee, uncoached_committee):
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(uncoached_committee, "1", OTHER_NAME, code="T-1")
    page = ong.get(reverse("books:padron", args=[own_committee.pk])).content.decode()
    assert NAME in page
    assert ong.get(reverse("books:padron", args=[uncoached_committee.pk])).status_code == 404


def test_pages_outside_the_area_answer_404(
    tesorera, agencia, ong, uncoached_committee, outside_committee
):
    names = ["padron", "padron_export", "tariffs"]
    for name in names:
        assert (
            tesorera.get(reverse(f"books:{name}", args=[uncoached_committee.pk])).status_code == 404
        )
        assert agencia.get(reverse(f"books:{name}", args=[outside_committee.pk])).status_code == 404
        assert ong.get(reverse(f"books:{name}", args=[outside_committee.pk])).status_code == 404
    household = add_household(uncoached_committee, "1", NAME)
    edit = reverse("books:household_edit", args=[uncoached_committee.pk, household.pk])
    assert tesorera.get(edit).status_code == 404
    assert tesorera.post(edit, {"number": "1", "name": "Otro"}).status_code == 404
    assert Household.objects.get(pk=household.pk).name == NAME


def test_a_household_of_another_padron_is_not_found_through_ones_own(
    tesorera, own_committee, uncoached_committee
):
    other = add_household(uncoached_committee, "1", NAME)
    url = reverse("books:household_edit", args=[own_committee.pk, other.pk])
    assert tesorera.get(url).status_code == 404


def test_the_agency_may_not_open_the_forms_that_show_names(agencia, own_committee):
    household = add_household(own_committee, "1", NAME)
    urls = [
        reverse("books:household_create", args=[own_committee.pk]),
        reverse("books:household_edit", args=[own_committee.pk, household.pk]),
        reverse("books:padron_import", args=[own_committee.pk]),
    ]
    for url in urls:
        assert agencia.get(url).status_code == 403
    assert agencia.post(urls[0], {"number": "9", "name": "X"}).status_code == 403
    assert not Household.objects.filter(provider=own_committee, number="9").exists()


def test_the_page_counts_add_up(own_committee):
    rule = add_rule(own_committee, **ELDERS_RULE)
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(own_committee, "2", OTHER_NAME, code="T-2", status="suspended")
    add_household(
        own_committee, "3", "C", code="T-3", status="exempt", exemption=rule, exemption_reason="x"
    )
    add_household(own_committee, "4", "D")
    Connection.objects.create(provider=own_committee, code="H-1", kind="public_tap")
    counts = padron_counts(own_committee)
    assert (counts.households, counts.connections) == (4, 4)
    assert (counts.active, counts.suspended, counts.exempt, counts.public_taps) == (2, 1, 1, 1)
    assert counts.people == 16


def test_filter_by_status_and_households_without_a_toma(tesorera, own_committee):
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(own_committee, "2", OTHER_NAME, code="T-2", status="suspended")
    add_household(own_committee, "3", "Sin toma todavía")
    url = reverse("books:padron", args=[own_committee.pk])
    suspended = tesorera.get(url, {"estado": "suspended"}).content.decode()
    assert OTHER_NAME in suspended and NAME not in suspended
    none = tesorera.get(url, {"estado": "none"}).content.decode()
    assert "Sin toma todavía" in none and NAME not in none
    by_name = tesorera.get(url, {"q": "rosalba perez"}).content.decode()
    assert NAME in by_name and OTHER_NAME not in by_name


# Adding and editing households -----------------------------------------------------------------
def household_post(**overrides) -> dict[str, str]:
    data = {
        "number": "15",
        "name": NAME,
        "locality": "",
        "reference": "Junto a la iglesia",
        "people": "5",
        "registered_on": "",
        "notes": "",
        "tomas-TOTAL_FORMS": "1",
        "tomas-INITIAL_FORMS": "0",
        "tomas-MIN_NUM_FORMS": "0",
        "tomas-MAX_NUM_FORMS": "1000",
        "tomas-0-id": "",
        "tomas-0-code": "T-15",
        "tomas-0-kind": "house",
        "tomas-0-status": "active",
        "tomas-0-exemption": "",
        "tomas-0-exemption_reason": "",
        "tomas-0-connected_on": "",
    }
    data.update(overrides)
    return data


def test_the_treasurer_adds_a_household_with_its_toma_and_it_is_audited(tesorera, own_committee):
    url = reverse("books:household_create", args=[own_committee.pk])
    form = tesorera.get(url)
    assert form.status_code == 200
    data = household_post(locality=str(own_committee.locality_id))
    response = tesorera.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Se agregó el hogar 15 al padrón." in response.content.decode()
    household = Household.objects.get(provider=own_committee, number="15")
    assert household.name == NAME and household.people == 5
    toma = household.connections.get()
    assert (toma.code, toma.provider_id, toma.status) == ("T-15", own_committee.pk, "active")
    for model, pk in ((Household, household.pk), (Connection, toma.pk)):
        event = AuditEvent.objects.get(
            content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
        )
        assert event.action == "create" and event.actor.username == "tesorera"
        assert event.provider_id == own_committee.pk


def test_an_exempt_toma_needs_an_assembly_rule_and_a_reason(tesorera, own_committee):
    url = reverse("books:household_create", args=[own_committee.pk])
    data = household_post(locality=str(own_committee.locality_id), **{"tomas-0-status": "exempt"})
    response = tesorera.post(url, data)
    assert response.status_code == 400
    assert "Una toma exenta necesita la regla que aprobó la asamblea" in response.content.decode()
    assert not Household.objects.filter(provider=own_committee, number="15").exists()
    rule = add_rule(own_committee, **ELDERS_RULE)
    data["tomas-0-exemption"] = str(rule.pk)
    data["tomas-0-exemption_reason"] = "Tiene 80 años y vive sola"
    response = tesorera.post(url, data)
    assert response.status_code == 302
    toma = Connection.objects.get(provider=own_committee, code="T-15")
    assert (toma.status, toma.exemption_id) == ("exempt", rule.pk)


def test_a_rule_of_another_committee_cannot_be_chosen(tesorera, own_committee, uncoached_committee):
    foreign = add_rule(uncoached_committee, **ELDERS_RULE)
    url = reverse("books:household_create", args=[own_committee.pk])
    data = household_post(
        locality=str(own_committee.locality_id),
        **{
            "tomas-0-status": "exempt",
            "tomas-0-exemption": str(foreign.pk),
            "tomas-0-exemption_reason": "x",
        },
    )
    assert tesorera.post(url, data).status_code == 400
    assert not Connection.objects.filter(code="T-15", provider=own_committee).exists()


def test_numbers_and_tomas_are_unique_within_the_padron(tesorera, own_committee):
    add_household(own_committee, "15", OTHER_NAME, code="T-15")
    url = reverse("books:household_create", args=[own_committee.pk])
    response = tesorera.post(url, household_post(locality=str(own_committee.locality_id)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "El número 15 ya es de otro hogar de este padrón" in page
    assert "La toma T-15 ya es de otro hogar de este padrón" in page
    assert Household.objects.filter(provider=own_committee).count() == 1


def test_editing_a_household_records_before_and_after(tesorera, own_committee):
    household = add_household(own_committee, "7", NAME, code="T-7")
    toma = household.connections.get()
    url = reverse("books:household_edit", args=[own_committee.pk, household.pk])
    assert NAME in tesorera.get(url).content.decode()
    data = household_post(
        number="7",
        name=NAME,
        locality=str(own_committee.locality_id),
        people="6",
        **{
            "tomas-TOTAL_FORMS": "2",
            "tomas-INITIAL_FORMS": "1",
            "tomas-0-id": str(toma.pk),
            "tomas-0-code": "T-7",
            "tomas-0-status": "suspended",
            "tomas-1-id": "",
            "tomas-1-code": "T-7B",
            "tomas-1-kind": "house",
            "tomas-1-status": "active",
        },
    )
    response = tesorera.post(url, data)
    assert response.status_code == 302
    household.refresh_from_db()
    toma.refresh_from_db()
    assert household.people == 6 and toma.status == "suspended"
    assert household.connections.count() == 2
    event = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(Connection),
        object_id=str(toma.pk),
        action="update",
    )
    assert event.changes["status"] == ["active", "suspended"]


def test_a_posted_toma_of_another_household_is_not_taken_over(tesorera, own_committee):
    household = add_household(own_committee, "7", NAME)
    other = add_household(own_committee, "8", OTHER_NAME, code="T-8")
    toma = other.connections.get()
    url = reverse("books:household_edit", args=[own_committee.pk, household.pk])
    data = household_post(
        number="7",
        locality=str(own_committee.locality_id),
        **{"tomas-INITIAL_FORMS": "1", "tomas-0-id": str(toma.pk), "tomas-0-code": "T-8"},
    )
    assert tesorera.post(url, data).status_code == 400
    toma.refresh_from_db()
    assert toma.household_id == other.pk


# Export ------------------------------------------------------------------------------------------
def test_the_export_carries_names_only_for_those_who_may_read_them(
    tesorera, agencia, own_committee
):
    rule = add_rule(own_committee, **ELDERS_RULE)
    add_household(own_committee, "1", NAME, code="T-1")
    add_household(
        own_committee,
        "2",
        OTHER_NAME,
        code="T-2",
        status="exempt",
        exemption=rule,
        exemption_reason="Viuda",
    )
    url = reverse("books:padron_export", args=[own_committee.pk])
    shared = csv_rows(agencia.get(url))
    assert [row["numero"] for row in shared] == ["1", "2"]
    assert "nombre" not in shared[0] and "referencia" not in shared[0]
    assert shared[1]["estado"] == "exenta" and shared[1]["regla_exencion"] == rule.name
    assert "motivo_exencion" not in shared[1]
    flat = str(shared)
    assert NAME not in flat and OTHER_NAME not in flat and "Viuda" not in flat
    assert agencia.get(url, {"nombres": "1"}).status_code == 403
    # The committee's own default download is the shareable one, too.
    assert NAME not in str(csv_rows(tesorera.get(url)))
    full = csv_rows(tesorera.get(url, {"nombres": "1"}))
    assert [row["nombre"] for row in full] == [NAME, OTHER_NAME]
    assert full[1]["motivo_exencion"] == "Viuda"
    assert full[0]["localidad"] == own_committee.locality.key
