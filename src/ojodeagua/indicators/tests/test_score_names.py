"""The pages and printables name each score for what it is: "SIASAR" only where the computation
follows SIASAR (the locality score), never "WHO"/"OMS" on the indicator pages, and the
functionality tier's page says which T2 rule decided it."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ojodeagua.conftest import login_client
from ojodeagua.indicators.models import IndicatorValue
from ojodeagua.integrity.models import Cycle
from ojodeagua.monitoring.tests.who_claims import who_claims
from ojodeagua.organisations.scope import scope_for
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Provider
from ojodeagua.watersystems.models import WaterSystem

# The one place the pages may say SIASAR: the locality score's definition.
LOCALITY_WORDING = (
    "según la estructura de SIASAR, con pesos iguales porque los oficiales no están en el sistema"
)
OWN_SCORE = "Puntaje propio de este proyecto"


def latest(entity: str, entity_ids, indicator: str = "score") -> IndicatorValue:
    return (
        IndicatorValue.objects.filter(entity=entity, entity_id__in=entity_ids, indicator=indicator)
        .order_by("-period", "entity_id")
        .first()
    )


def page(client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return response.content.decode()


def says_siasar_only_for_the_locality_score(html: str) -> bool:
    return "SIASAR" not in html.replace(LOCALITY_WORDING, "")


def test_pages_and_printables_say_siasar_only_next_to_the_locality_score(demo):
    client = login_client("agencia")
    scope = scope_for(User.objects.get(username="agencia"))
    systems = scope.visible(WaterSystem.objects.all())
    localities = scope.visible(Locality.objects.all())
    providers = scope.visible(Provider.objects.all())
    municipality = scope.visible(Municipality.objects.order_by("key")).first()

    scores = {
        "system": latest("system", systems.values("pk")),
        "locality": latest("locality", localities.values("pk")),
        "provider": latest("provider", providers.values("pk")),
        "municipality": latest("municipality", [municipality.pk]),
        "state": latest("state", [municipality.state_id]),
    }
    assert all(scores.values()), scores
    why = {entity: page(client, f"/indicadores/{v.pk}/") for entity, v in scores.items()}

    # The locality score says it follows SIASAR's structure; the others say they are ours.
    assert LOCALITY_WORDING in why["locality"]
    assert "Puntaje de servicio de la localidad" in why["locality"]
    for entity in ("system", "provider", "municipality", "state"):
        assert OWN_SCORE in why[entity], entity
        assert "SIASAR" not in why[entity], entity
    assert "Puntaje de servicio del sistema" in why["system"]
    assert "Puntaje del prestador" in why["provider"]

    system = WaterSystem.objects.get(pk=scores["system"].entity_id)
    locality = Locality.objects.get(pk=scores["locality"].entity_id)
    provider = Provider.objects.get(pk=scores["provider"].entity_id)
    pages = {
        "/": page(client, "/"),
        "/resumen/": page(client, "/resumen/"),
        "state": page(client, reverse("indicators:state_summary", args=[municipality.state_id])),
        "/sistemas/": page(client, "/sistemas/"),
        "/localidades/": page(client, "/localidades/"),
        "system": page(client, system.get_absolute_url()),
        "locality": page(client, locality.get_absolute_url()),
        "provider": page(client, provider.get_absolute_url()),
        **{f"why {entity}": html for entity, html in why.items()},
    }
    for name, html in pages.items():
        assert says_siasar_only_for_the_locality_score(html), name
        assert who_claims(html) == [], name

    cycle = scope.visible(Cycle.objects.order_by("pk")).first()
    assert cycle is not None
    for kind in ("cards", "board", "roadmap", "summary"):
        html = page(client, reverse(f"integrity:{kind}_print", args=[cycle.pk]))
        assert says_siasar_only_for_the_locality_score(html), kind


def test_the_old_labels_would_have_failed_the_check():
    # The check itself can fail: the words the pages used before.
    assert not says_siasar_only_for_the_locality_score("puntaje de servicio (SIASAR)")
    assert not says_siasar_only_for_the_locality_score("de los sistemas (tipo SIASAR)")
    assert says_siasar_only_for_the_locality_score(f"Localidad: {LOCALITY_WORDING}.")


@pytest.mark.parametrize(
    "kinds, rule_words",
    [
        (["point"], "bombas manuales"),
        (["gravity", "pumped"], "regla de este proyecto"),
    ],
)
def test_the_tier_page_says_which_rule_decided_t2(demo, kinds, rule_words):
    client = login_client("agencia")
    scope = scope_for(User.objects.get(username="agencia"))
    systems = scope.visible(WaterSystem.objects.filter(kind__in=kinds))
    tier = latest("system", systems.values("pk"), "functionality")
    assert tier is not None
    html = page(client, f"/indicadores/{tier.pk}/")
    assert "Regla del nivel T2 para este sistema" in html
    assert rule_words in html
    assert "regla del nivel T2:" in html  # the breakdown names the rule too
