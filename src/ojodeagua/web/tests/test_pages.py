"""Signing in and clicking through the registry as its users do."""

import re

import pytest
from django.test import Client

from ojodeagua.audit.models import AuditEvent
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Member, Provider
from ojodeagua.watersystems.models import Component, WaterSystem


def formset_management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_the_treasurer_signs_in_and_lands_on_her_committee():
    client = Client()
    page = client.get("/entrar/")
    assert "Entrar a Ojo de Agua" in page.content.decode()

    response = client.post("/entrar/", {"username": "tesorera", "password": "demo"}, follow=True)

    html = response.content.decode()
    own = Membership.objects.get(user__username="tesorera").providers.get()
    assert f"<h1>{own.name}</h1>" in html
    assert "Datos de demostración" in html
    assert "Su comité opera 1 sistema de agua." in html


@pytest.mark.django_db
def test_a_wrong_password_is_explained_in_spanish():
    response = Client().post("/entrar/", {"username": "tesorera", "password": "nope"})
    html = response.content.decode()
    assert "contraseña correctos" in html
    assert 'class="errorlist"' in html


@pytest.mark.django_db
def test_the_agency_home_summarises_the_municipality(agencia):
    html = agencia.get("/").content.decode()
    assert "Resumen de su área" in html
    assert re.search(r"En su área hay 100 localidades, \d+ sistemas de agua registrados", html)
    assert "Berriozábal" in html
    assert "Ocozocoautla" not in html


@pytest.mark.django_db
def test_lists_search_and_filter(agencia):
    system = WaterSystem.objects.filter(municipality__key="07012", kind="pumped").first()

    by_name = agencia.get("/sistemas/", {"q": system.name}).content.decode()
    by_kind = agencia.get("/sistemas/", {"kind": "pumped"}).content.decode()
    by_kind_gravity = agencia.get("/sistemas/", {"kind": "gravity"}).content.decode()

    assert system.get_absolute_url() in by_name
    assert system.get_absolute_url() in by_kind
    assert system.get_absolute_url() not in by_kind_gravity


@pytest.mark.django_db
def test_htmx_search_returns_only_the_results_fragment(agencia):
    response = agencia.get(
        "/localidades/",
        {"q": "Berriozábal"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "1 resultado" in html


@pytest.mark.django_db
def test_the_treasurer_edits_her_system_and_adds_a_component(tesorera):
    own = Membership.objects.get(user__username="tesorera").providers.get()
    system = own.systems.get()
    edit_url = f"/sistemas/{system.pk}/editar/"
    assert tesorera.get(edit_url).status_code == 200
    sources = list(system.sources.all())
    components = list(system.components.all())
    served = list(system.served_localities.all())
    data = {
        "name": system.name,
        "kind": system.kind,
        "provider": own.pk,
        "locality": system.locality_id,
        "construction_year": "1998",
        "design_yield_lps": "2.5",
        "chlorinates": "yes",
        **formset_management("source", len(sources), len(sources)),
        **formset_management("component", len(components) + 1, len(components)),
        **formset_management("servedlocality", len(served), len(served)),
    }
    for i, source in enumerate(sources):
        data.update(
            {
                f"source-{i}-id": source.pk,
                f"source-{i}-name": source.name,
                f"source-{i}-kind": source.kind,
                f"source-{i}-protected": "on",
                f"source-{i}-surface_influence": "no",
            }
        )
    for i, component in enumerate(components):
        data.update(
            {
                f"component-{i}-id": component.pk,
                f"component-{i}-kind": component.kind,
                f"component-{i}-quantity": component.quantity,
                f"component-{i}-condition": component.condition,
                f"component-{i}-install_year": component.install_year or "",
            }
        )
    new = len(components)
    data.update(
        {
            f"component-{new}-kind": "chlorinator",
            f"component-{new}-quantity": "1",
            f"component-{new}-condition": "good",
            f"component-{new}-install_year": "2026",
        }
    )
    for i, link in enumerate(served):
        data.update(
            {
                f"servedlocality-{i}-id": link.pk,
                f"servedlocality-{i}-locality": link.locality_id,
                f"servedlocality-{i}-households": link.households,
            }
        )

    response = tesorera.post(edit_url, data, follow=True)

    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Se guardaron los cambios." in response.content.decode()
    system.refresh_from_db()
    assert system.construction_year == 1998
    assert system.components.filter(kind=Component.Kind.CHLORINATOR, install_year=2026).exists()
    assert all(source.protected for source in system.sources.all())
    assert system.chlorinates == "yes"
    assert all(source.surface_influence == "no" for source in system.sources.all())
    events = AuditEvent.objects.filter(actor__username="tesorera")
    assert events.filter(action="update", object_id=str(system.pk)).exists()
    assert events.filter(action="create", changes__kind="chlorinator").exists()


@pytest.mark.django_db
def test_bad_input_gets_a_spanish_message_that_says_what_to_fix(tesorera):
    own = Membership.objects.get(user__username="tesorera").providers.get()
    data = {
        "name": own.name,
        "kind": own.kind,
        "municipality": own.municipality_id,
        "locality": own.locality_id,
        **formset_management("member", 1, 0),
        "member-0-name": "Juana Pérez",
        "member-0-role": "secretary",
        "member-0-sex": "F",
        "member-0-term_start": "2026-05-01",
        "member-0-term_end": "2025-05-01",
    }

    response = tesorera.post(f"/prestadores/{own.pk}/editar/", data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Revise los campos marcados abajo y vuelva a guardar." in html
    assert "El fin del cargo no puede ser antes de su inicio." in html
    assert not Member.objects.filter(name="Juana Pérez").exists()


@pytest.mark.django_db
def test_the_facilitator_cannot_add_providers_but_the_agency_can(ong, agencia):
    assert ong.get("/prestadores/nuevo/").status_code == 403
    assert 'href="/prestadores/nuevo/"' not in ong.get("/prestadores/").content.decode()
    municipality = Provider.objects.filter(municipality__key="07012").first().municipality

    response = agencia.post(
        "/prestadores/nuevo/",
        {
            "name": "Comité Nuevo",
            "kind": "committee",
            "municipality": municipality.pk,
            **formset_management("member", 0, 0),
        },
    )

    created = Provider.objects.get(name="Comité Nuevo")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert AuditEvent.objects.filter(
        action="create", object_id=str(created.pk), content_type__model=created._meta.model_name
    ).exists()


@pytest.mark.django_db
def test_the_language_switch_turns_pages_to_english(tesorera):
    tesorera.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = tesorera.get("/").content.decode()
    assert 'lang="en"' in html
    assert 'lang="es-mx">Español</button>' in html
    assert "Your committee runs 1 water system." in html
    tesorera.post("/i18n/setlang/", {"language": "es-mx", "next": "/"})
    assert "Su comité opera" in tesorera.get("/").content.decode()


def test_english_pages_keep_the_day_before_the_month():
    import datetime

    from django import forms
    from django.utils import formats, translation

    with translation.override("en"):
        shown = formats.date_format(datetime.date(2026, 8, 31), "SHORT_DATE_FORMAT")
        typed = forms.DateField().clean("31/08/2026")
    assert (shown, typed) == ("31/08/2026", datetime.date(2026, 8, 31))


@pytest.mark.django_db
def test_main_pages_stay_under_100_kb(agencia):
    from django.contrib.staticfiles import finders

    assets = sum(
        len(open(finders.find(path), "rb").read())
        for path in ("ojodeagua/site.css", "ojodeagua/htmx.min.js")
    )
    for url in ("/", "/localidades/", "/sistemas/", "/prestadores/"):
        html = agencia.get(url).content
        assert len(html) + assets < 100_000, (url, len(html), assets)


@pytest.mark.django_db
def test_admin_is_for_superusers_only(agencia):
    from django.contrib.auth.models import User

    User.objects.filter(username="agencia").update(is_staff=True)
    assert agencia.get("/admin/").status_code == 302
    root = User.objects.create_superuser("raiz", password="x")
    client = Client()
    client.force_login(root)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_provider_export_counts_members_but_never_names_them(agencia):
    own = Membership.objects.get(user__username="tesorera").providers.get()
    response = agencia.get("/prestadores/exportar.csv", {"q": own.name})
    export = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [line.split(",") for line in export.strip().splitlines()]

    assert rows[0][-3:] == ["sistemas", "integrantes_mujeres", "integrantes_hombres"]
    row = next(r for r in rows if r[0] == str(own.pk))
    women = own.current_members().filter(sex="F").count()
    men = own.current_members().filter(sex="M").count()
    assert row[-3:] == ["1", str(women), str(men)]
    for member in own.members.all():
        assert member.name not in export


@pytest.mark.django_db
def test_yes_no_filters_split_the_list(agencia):
    def count(url, **params):
        html = agencia.get(url, params).content.decode()
        return int(re.search(r"(\d+) resultados?", html).group(1))

    total = count("/localidades/")
    without = count("/localidades/", without_system="yes")
    with_system = count("/localidades/", without_system="no")
    assert without > 0 and with_system > 0
    assert without + with_system == total
    chlorinated = count("/sistemas/", has_chlorinator="yes")
    not_chlorinated = count("/sistemas/", has_chlorinator="no")
    assert chlorinated > 0
    assert chlorinated + not_chlorinated == count("/sistemas/")


@pytest.mark.django_db
def test_years_are_written_without_a_thousands_separator(agencia):
    provider = Provider.objects.filter(
        municipality__key="07012", established_year__isnull=False
    ).first()
    html = agencia.get(provider.get_absolute_url()).content.decode()
    assert f"<dd>{provider.established_year}</dd>" in html


@pytest.mark.django_db
def test_superusers_change_the_registry_in_the_admin_and_it_is_audited():
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("raiz", password="x")
    client = Client()
    client.force_login(root)
    provider = Provider.objects.first()
    for url in (
        "/admin/",
        "/admin/providers/provider/",
        f"/admin/providers/provider/{provider.pk}/change/",
        "/admin/watersystems/watersystem/",
        "/admin/places/locality/",
        "/admin/organisations/membership/",
        "/admin/audit/auditevent/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/providers/provider/{provider.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(
        {"name": "Nombre corregido", "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"}
    )
    response = client.post(f"/admin/providers/provider/{provider.pk}/change/", data)

    assert response.status_code == 302
    event = AuditEvent.objects.get(actor=root, action="update")
    assert event.changes["name"][1] == "Nombre corregido"


def system_form_data(system, **extra) -> dict:
    data = {
        "name": system.name,
        "kind": system.kind,
        "provider": system.provider_id,
        "locality": system.locality_id,
        **formset_management("source", 0, 0),
        **formset_management("component", 0, 0),
        **formset_management("servedlocality", 0, 0),
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_a_row_of_another_system_cannot_be_slipped_into_the_form(tesorera):
    own = Membership.objects.get(user__username="tesorera").providers.get().systems.get()
    foreign_source = WaterSystem.objects.exclude(pk=own.pk).first().sources.first()
    sources_before = own.sources.count()

    response = tesorera.post(
        f"/sistemas/{own.pk}/editar/",
        system_form_data(
            own,
            **formset_management("source", 1, 1),
            **{
                "source-0-id": foreign_source.pk,
                "source-0-kind": "spring",
                "source-0-name": "Robada",
            },
        ),
    )

    assert response.status_code == 400
    assert own.sources.count() == sources_before
    foreign_source.refresh_from_db()
    assert foreign_source.name != "Robada"


@pytest.mark.django_db
def test_a_locality_already_served_cannot_be_added_twice(tesorera):
    own = Membership.objects.get(user__username="tesorera").providers.get().systems.get()
    link = own.served_localities.first()

    response = tesorera.post(
        f"/sistemas/{own.pk}/editar/",
        system_form_data(
            own,
            **formset_management("servedlocality", 1, 0),
            **{"servedlocality-0-locality": link.locality_id, "servedlocality-0-households": 3},
        ),
    )

    assert response.status_code == 400
    assert "Ya está en la lista; no lo agregue dos veces." in response.content.decode()
    assert (
        own.served_localities.count() == 1
        or own.served_localities.filter(locality=link.locality).count() == 1
    )


@pytest.mark.django_db
def test_admin_inline_edits_and_scope_changes_are_audited():
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("raiz", password="x")
    client = Client()
    client.force_login(root)
    membership = Membership.objects.get(user__username="ong")
    url = f"/admin/organisations/membership/{membership.pk}/change/"
    remaining = list(membership.providers.values_list("pk", flat=True))[:3]
    accompanied = sorted(membership.providers.values_list("name", flat=True))

    response = client.post(
        url,
        {
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
            "providers": ",".join(map(str, remaining)),
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(
        actor=root, object_id=str(membership.pk), content_type__model=membership._meta.model_name
    )
    before, after = event.changes["providers"]
    assert sorted(before) == accompanied and len(after) == 3


@pytest.mark.django_db
def test_exports_defuse_text_a_spreadsheet_would_run(agencia):
    provider = Provider.objects.filter(municipality__key="07012").first()
    Provider.objects.filter(pk=provider.pk).update(name='=HYPERLINK("http://x")')

    export = b"".join(agencia.get("/prestadores/exportar.csv").streaming_content).decode()

    assert "'=HYPERLINK" in export
    assert ",=HYPERLINK" not in export


@pytest.mark.django_db
def test_renaming_a_member_in_the_admin_inline_is_audited():
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("raiz", password="x")
    client = Client()
    client.force_login(root)
    provider = Provider.objects.filter(municipality__key="07012").first()
    url = f"/admin/providers/provider/{provider.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    for index, child in enumerate(formset.forms):
        for name in child.fields:
            value = child[name].value()
            if value is not None:
                data[f"{formset.prefix}-{index}-{name}"] = value
    member = formset.forms[0].instance
    data[f"{formset.prefix}-0-name"] = "Nombre Corregido"

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(
        actor=root, object_id=str(member.pk), content_type__model=member._meta.model_name
    )
    assert event.changes["name"] == [member.name, "Nombre Corregido"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["berriozabal", "BERRIOZÁBAL", "Berriozábal", "rrioza"])
def test_search_ignores_accents_and_case(agencia, typed):
    html = agencia.get("/localidades/", {"q": typed}).content.decode()
    assert "1 resultado" in html
    assert ">Berriozábal</strong>" in html


@pytest.mark.django_db
def test_the_facilitators_home_adds_up_population_once(ong):
    from django.db.models import Sum

    from ojodeagua.places.models import Locality

    expected = Locality.objects.filter(municipality__key="07012").aggregate(p=Sum("population"))
    html = ong.get("/").content.decode()
    assert f'<td class="num">{expected["p"]:,}</td>' in html


def test_the_facilitator_sees_every_kind_of_provider_she_accompanies(ong):
    from ojodeagua.organisations.models import Membership
    from ojodeagua.providers.models import Provider

    html = ong.get("/").content.decode()
    hers = Membership.objects.get(user__username="ong").providers
    kinds = {Provider.Kind.COMMITTEE, Provider.Kind.KIOSK, Provider.Kind.SCHOOL}
    for kind in kinds:
        provider = hers.filter(kind=kind).order_by("name").first()
        assert provider is not None, kind
        assert provider.name in html, kind
    schools = ong.get("/escuelas/").content.decode()
    assert "Escuela" in schools and "Ninguno" not in schools


@pytest.mark.django_db
def test_links_carry_ids_without_thousands_separators():
    from django.contrib.auth.models import User

    from ojodeagua.places.models import Municipality, State

    Municipality.objects.create(pk=1234, state=State.objects.get(key="07"), key="07099", name="X")
    client = Client()
    client.force_login(User.objects.create_superuser("raiz", password="x"))
    html = client.get("/").content.decode()
    assert "?municipality=1234" in html
    assert "?municipality=1,234" not in html
