"""What if: the people who move for a chosen set of actions, computed by hand."""

import pytest
from django.contrib.auth.models import User

from ojodeagua.desk import facts, whatif
from ojodeagua.desk.whatif import Action
from ojodeagua.organisations.models import Membership

from .factories import ON, build

pytestmark = pytest.mark.django_db


def test_actions_move_people_as_computed_by_hand():
    hand = build()
    found = facts.load(hand.municipality, ON)
    s = {name: system.pk for name, system in hand.systems.items()}
    offered = {a: {o.name for o in options} for a, options in whatif.options(found).items()}
    assert offered[Action.REPAIR] == {"Sistema S2"}
    assert offered[Action.CHLORINATOR] == {"Sistema S3"}
    # Every committee lacks a workshop in 12 months: the cycle is offered for every system.
    assert offered[Action.CYCLE] == {"Sistema S2", "Sistema S3", "Sistema S4", "Sistema S6"}

    # S2 repaired: its 400 people reach safe water (its missing workshop does not stop it).
    # S3 chlorinated: its 400 reach safe water. S4 coached: half its 50 (the assumption).
    # S6 coached: its source problem stays; nothing moves.
    outcome = whatif.estimate(
        found,
        {
            Action.REPAIR: {s["S2"]},
            Action.CHLORINATOR: {s["S3"]},
            Action.CYCLE: {s["S4"], s["S6"]},
        },
    )
    assert round(outcome.to_safe) == 825
    assert outcome.to_reliable == 0
    assert ("Sistema S6", "", 0.0) in outcome.systems
    # A cycle alone does not fix a broken pump.
    assert whatif.estimate(found, {Action.CYCLE: {s["S2"]}}).total == 0


def test_the_page_shows_the_estimate_and_its_assumptions(agencia):
    hand = build()
    Membership.objects.get(user=User.objects.get(username="agencia")).municipalities.add(
        hand.municipality
    )
    address = f"/mesa/{hand.municipality.pk}/que-pasaria-si/"
    html = agencia.get(address).content.decode()
    assert "Un ciclo de integridad acompañado resuelve" in html
    assert "data-outcome" not in html
    html = agencia.get(address, {"repair": hand.systems["S2"].pk}).content.decode()
    assert 'data-figure="to-safe"><strong>400</strong>' in html
