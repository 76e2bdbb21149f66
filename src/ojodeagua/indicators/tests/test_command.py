"""The recompute command rebuilds values from the observations."""

import io

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


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_recompute_shows_a_progress_bar_on_standard_error(town):
    logged, terminal = io.StringIO(), Terminal()
    call_command("indicators", "--recompute", stderr=logged)
    lines = logged.getvalue().splitlines()
    # In a log: one line per layer, the bar filling up.
    assert [line.split("] ")[1].split(" ")[0] for line in lines] == [f"{n}/5" for n in range(1, 6)]
    assert lines[0].startswith("[" + "#" * 6 + "-" * 24 + "] 1/5 Sistemas: listo")
    assert lines[-1].startswith("[" + "#" * 30 + "] 5/5 Estado: listo")
    # On a terminal: redrawn in place, one line in the end.
    call_command("indicators", "--recompute", stderr=terminal)
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 5 and drawn.endswith("\n") and drawn.count("\n") == 1
