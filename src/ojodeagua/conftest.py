"""Shared test fixtures: a pinned clock, the demo copied from its cached template, its personas.

The whole run happens on ``SUITE_TODAY`` (the clock starts at noon that day and ticks on), so no
test depends on the day it is run. The demo is built once for ``SUITE_DEMO_DAY``, kept as a
template database (``demo/cached.py``) and copied into each test process's database.
"""

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from ojodeagua.demo.cached import SUITE_DEMO_DAY, SUITE_TODAY, DemoTestDatabase, noon

_clock = time_machine.travel(noon(SUITE_TODAY), tick=True)


def pytest_configure(config) -> None:
    _clock.start()


def pytest_unconfigure(config) -> None:
    _clock.stop()


@pytest.fixture(scope="session")
def demo_database(django_test_environment, django_db_modify_db_settings, django_db_blocker):
    database = DemoTestDatabase(SUITE_DEMO_DAY)
    with django_db_blocker.unblock():
        database.set_up()
    yield database
    with django_db_blocker.unblock():
        database.tear_down()


@pytest.fixture(scope="session")
def django_db_setup(demo_database):
    """The test database is a copy of the demo; each test runs in a rolled-back transaction."""
    return demo_database


@pytest.fixture
def demo(transactional_db, demo_database) -> DemoTestDatabase:
    """For tests that commit (browser tests, threads): the demo back as built, after the
    flush that ends every such test emptied it."""
    demo_database.restore()
    return demo_database


def login_client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def agencia(db) -> Client:
    return login_client("agencia")


@pytest.fixture
def ong(db) -> Client:
    return login_client("ong")


@pytest.fixture
def tesorera(db) -> Client:
    return login_client("tesorera")
