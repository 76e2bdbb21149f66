"""The migration that writes the T2 flow rules into the threshold rows keeps what the agency set."""

import importlib

from django.apps import apps

from ojodeagua.indicators.models import Setting

rules = importlib.import_module("ojodeagua.indicators.migrations.0007_score_names")


def test_the_point_rule_is_added_and_the_share_rule_says_its_source(db):
    # An agency that already changed the share keeps it; only the description changes.
    Setting.objects.filter(code="design_flow_share").update(value="0.7")
    Setting.objects.filter(code="point_min_flow_lpm").delete()
    rules.seed(apps, None)
    rules.seed(apps, None)  # twice: nothing doubles
    share = Setting.objects.get(code="design_flow_share")
    assert float(share.value) == 0.7
    assert "regla de este proyecto" in share.description
    point = Setting.objects.get(code="point_min_flow_lpm")
    assert float(point.value) == 10
    assert "bombas manuales" in point.description and "no una norma del JMP" in point.description

    # An edited point threshold survives the migration too.
    Setting.objects.filter(code="point_min_flow_lpm").update(value="12")
    rules.seed(apps, None)
    assert float(Setting.objects.get(code="point_min_flow_lpm").value) == 12

    rules.unseed(apps, None)
    assert not Setting.objects.filter(code="point_min_flow_lpm").exists()
    assert Setting.objects.get(code="design_flow_share").description == (
        rules.OLD_DESIGN_FLOW_SHARE
    )
