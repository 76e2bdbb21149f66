"""Writers below the indicators ask for a refresh through ``lib.refresh``; the indicators app
answers it with its engine, once the writer's transaction commits."""

import pytest
from django.db import transaction

from ojodeagua.indicators import engine
from ojodeagua.lib.refresh import (
    recompute_indicators,
    refresh_indicators,
    refresh_indicators_on_commit,
)
from ojodeagua.places.models import Locality, Municipality


@pytest.fixture
def calls(db, monkeypatch) -> list[list]:
    """The engine's refreshes, each the list of records it was asked for."""
    found: list[list] = []
    monkeypatch.setattr(engine, "refresh_after", lambda records: found.append(list(records)))
    return found


def test_a_refresh_asked_on_commit_reaches_the_engine_only_after_the_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    refreshed = []
    monkeypatch.setattr(engine, "refresh_after", lambda records: refreshed.extend(records))
    record = Municipality.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        refresh_indicators_on_commit([record])
        assert refreshed == []
    assert refreshed == [record]


def test_nothing_is_refreshed_when_the_writer_rolls_back(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    refreshed = []
    monkeypatch.setattr(engine, "refresh_after", lambda records: refreshed.extend(records))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            refresh_indicators_on_commit([Municipality.objects.first()])
            transaction.set_rollback(True)
    assert callbacks == [] and refreshed == []


def test_an_empty_refresh_asks_nothing_and_a_full_recompute_reaches_the_engine(
    calls, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(engine, "recompute_all", lambda: calls.append("all"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refresh_indicators_on_commit([])
    refresh_indicators([])
    assert callbacks == [] and calls == []
    recompute_indicators()
    assert calls == ["all"]


def test_the_records_of_one_transaction_are_refreshed_together_once(
    calls, django_capture_on_commit_callbacks
):
    first, second, third = Locality.objects.all()[:3]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            refresh_indicators_on_commit([first])
            refresh_indicators_on_commit([second, third])
    assert calls == [[first, second, third]]


def test_a_rolled_back_transaction_leaves_nothing_for_the_next_one(
    calls, django_capture_on_commit_callbacks
):
    first, second = Municipality.objects.all()[:2]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            refresh_indicators_on_commit([first])
            transaction.set_rollback(True)
        with transaction.atomic():
            refresh_indicators_on_commit([second])
    assert calls == [[second]]


def test_a_savepoint_rolled_back_does_not_lose_the_refresh_of_the_rest(
    calls, django_capture_on_commit_callbacks
):
    first, second = Municipality.objects.all()[:2]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            with transaction.atomic():
                refresh_indicators_on_commit([first])
                transaction.set_rollback(True)
            refresh_indicators_on_commit([second])
    assert len(calls) == 1 and second in calls[0]
