"""Errors in Spanish, each with a way back home: not found, not allowed, and a failure of ours."""

import pytest
from django.test import Client
from django.urls import path

from ojodeagua.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("roto/", broken), *site_urls]


def test_a_missing_page_says_so_in_spanish_and_offers_the_way_home(tesorera):
    response = tesorera.get("/no-existe/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No encontramos esta página" in page
    assert 'href="/">Volver al inicio</a>' in page
    assert "Not Found" not in page


def test_a_page_out_of_reach_says_so_in_spanish(tesorera):
    response = tesorera.get("/bitacora/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "No puede abrir esta página" in page and "Volver al inicio" in page
    assert "Forbidden" not in page


@pytest.mark.urls("ojodeagua.web.tests.test_error_pages")
def test_a_failure_of_ours_says_so_in_spanish_without_needing_the_request():
    response = Client(raise_request_exception=False).get("/roto/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Algo falló de nuestro lado" in page and 'href="/">Volver al inicio</a>' in page
    assert "Server Error" not in page
