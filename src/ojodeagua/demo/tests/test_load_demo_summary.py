"""`make demo` counts the providers as the home page does, and then by kind."""

import importlib
import re

from ojodeagua.demo.builder import DemoSummary
from ojodeagua.providers.models import Provider

load_demo_command = importlib.import_module("ojodeagua.demo.management.commands.load-demo")


def test_the_demo_summary_gives_the_home_pages_total_and_its_parts(agencia):
    kinds = Provider.Kind
    home = Provider.objects.filter(municipality__name="Berriozábal")
    by_kind = {kind: home.filter(kind=kind).count() for kind in kinds.values}
    summary = DemoSummary(
        localities=100,
        providers=home.count(),
        committees=by_kind[kinds.COMMITTEE],
        school_committees=by_kind[kinds.SCHOOL],
        kiosks=by_kind[kinds.KIOSK],
        schools=5,
        health_centres=1,
        providers_elsewhere=Provider.objects.exclude(municipality__name="Berriozábal").count(),
    )
    sentence = load_demo_command.loaded_sentence(summary)

    page = agencia.get("/").content.decode()
    shown = re.search(r"(\d+) comités o prestadores", page)
    assert shown, "the home no longer states how many providers there are"
    assert f"en Berriozábal, {shown.group(1)} comités o prestadores (" in sentence
    assert summary.committees + summary.school_committees + summary.kiosks == summary.providers
    assert f"({summary.committees} comités comunitarios" in sentence
