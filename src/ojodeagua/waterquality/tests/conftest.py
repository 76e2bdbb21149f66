"""Fixtures shared by the water-quality tests: a fresh parameter table and a loaded judge."""

import pytest

from ojodeagua.waterquality.verdicts import Judge, refresh_parameters


@pytest.fixture(autouse=True)
def fresh_parameter_table():
    # A rolled-back test sends no signal; start and end each test with a fresh table.
    refresh_parameters()
    yield
    refresh_parameters()


@pytest.fixture
def judge() -> Judge:
    return Judge()
