"""Shared test fixtures: the demo loaded once per run, and its personas."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from ojodeagua.demo.builder import load_demo


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once into the test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        load_demo()


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
