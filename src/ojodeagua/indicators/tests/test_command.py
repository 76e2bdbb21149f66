"""The recompute command rebuilds values from the observations."""

import pytest
from django.core.management import CommandError, call_command

from ojodeagua.indicators.models import IndicatorValue


def test_recompute_rebuilds_what_was_lost(town, capsys):
    call_command("indicators", "--recompute")
    before = IndicatorValue.objects.count()
    assert before > 0
    IndicatorValue.objects.filter(entity="system", entity_id=town["system"].pk).delete()
    call_command("indicators", "--recompute")
    assert IndicatorValue.objects.count() == before
    assert IndicatorValue.objects.filter(entity="system", entity_id=town["system"].pk).exists()
    assert "Se calcularon" in capsys.readouterr().out


def test_without_an_action_it_says_what_to_do(db):
    with pytest.raises(CommandError, match="--recompute"):
        call_command("indicators")


def test_a_full_recompute_leaves_the_table_with_its_unique_rule(town):
    from django.db import IntegrityError, transaction

    call_command("indicators", "--recompute")
    value = IndicatorValue.objects.filter(entity="system").first()
    value.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        value.save()
