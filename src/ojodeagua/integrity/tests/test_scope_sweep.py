"""Every integrity page that names a record answers 404 or 403 to a persona outside its scope."""

import datetime

import pytest
from django.core.files.base import ContentFile

from ojodeagua.conftest import login_client
from ojodeagua.integrity import urls
from ojodeagua.integrity.models import (
    AssessedRisk,
    Attachment,
    CatalogueVersion,
    CoachingSession,
    Complaint,
    Cycle,
    RoadmapItem,
)
from ojodeagua.organisations.models import Membership
from ojodeagua.providers.models import Provider

NEIGHBOUR = "07061"  # Ocozocoautla: in the demo, outside every persona's scope
# URL name → which of the foreign records its ``pk`` names. The catalogue is shared by all.
RECORD_OF = {
    "roadmap_item_change": "item",
    "coaching_detail": "session",
    "coaching_step": "session",
    "attachment_file": "attachment",
    "complaint_detail": "complaint",
    "complaint_update": "complaint",
    "complaint_review": "complaint",
}
BY_PROVIDER = [
    "/integridad/ciclos/?provider={provider}",
    "/integridad/ciclos/nuevo/?provider={provider}",
    "/integridad/quejas/?provider={provider}",
    "/integridad/pruebas/nueva/?roadmap_item={item}",
]


def pk_patterns() -> list[tuple[str, str]]:
    return [
        (pattern.name, str(pattern.pattern))
        for pattern in urls.urlpatterns
        if "<int:pk>" in str(pattern.pattern) and not pattern.name.startswith("catalogue")
    ]


def foreign_records(persona: str, tmp_path) -> dict:
    if persona == "agencia":
        provider = Provider.objects.filter(
            municipality__key=NEIGHBOUR, kind=Provider.Kind.COMMITTEE
        ).first()
    else:
        covered = Membership.objects.get(user__username=persona).providers.all()
        provider = (
            Provider.objects.filter(municipality__key="07012", kind=Provider.Kind.COMMITTEE)
            .exclude(pk__in=covered)
            .first()
        )
    catalogue = CatalogueVersion.current()
    cycle = Cycle.objects.create(
        provider=provider,
        number=(provider.integrity_cycles.count() + 1),
        catalogue=catalogue,
        scale=catalogue.scales.get(code="3x3"),
        workshop_on=datetime.date(2026, 3, 1),
    )
    assessed = AssessedRisk.objects.create(
        cycle=cycle,
        risk=catalogue.risks.get(code="R01"),
        consensus_likelihood=3,
        consensus_impact=3,
        priority=1,
    )
    item = RoadmapItem.objects.create(
        assessed_risk=assessed,
        action="Recibos foliados",
        responsible="Tesorería",
        deadline=datetime.date(2026, 6, 1),
        done_when="Hay recibos",
    )
    attachment = Attachment(cycle=cycle, roadmap_item=item, caption="Foto")
    attachment.file.save("prueba.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    return {
        "provider": provider,
        "cycle": cycle,
        "item": item,
        "session": CoachingSession.objects.create(
            cycle=cycle, held_on=datetime.date(2026, 5, 1), attendees="Comité"
        ),
        "attachment": attachment,
        "complaint": Complaint.objects.create(
            provider=provider,
            received_on=datetime.date(2026, 5, 1),
            respond_by=datetime.date(2026, 5, 15),
            what="Fuga",
        ),
    }


def test_the_sweep_knows_every_page_that_names_a_record():
    for name, pattern in pk_patterns():
        assert pattern.startswith("ciclos/") or name in RECORD_OF, name


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["agencia", "ong", "tesorera"])
def test_integrity_pages_of_another_scope_answer_404_or_403(persona, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login_client(persona)
    records = foreign_records(persona, tmp_path)
    for name, pattern in pk_patterns():
        record = records[RECORD_OF.get(name, "cycle")]
        url = "/integridad/" + pattern.replace("<int:pk>", str(record.pk))
        # A coaching step names the session and, after it, one of its cycle's actions.
        url = url.replace("<int:item_pk>", str(records["item"].pk))
        assert client.get(url).status_code in {403, 404}, url
        assert client.post(url, {"reason": "x", "status": "done"}).status_code in {403, 404}, url
    for template in BY_PROVIDER:
        url = template.format(provider=records["provider"].pk, item=records["item"].pk)
        assert client.get(url).status_code in {403, 404}, url
    # A new complaint for a committee out of reach: the form opens without it.
    page = client.get(f"/integridad/quejas/nueva/?provider={records['provider'].pk}")
    assert f'value="{records["provider"].pk}" selected' not in page.content.decode()
    assert records["provider"].name not in page.content.decode()
    # Nothing moved.
    records["item"].refresh_from_db()
    assert records["item"].status == RoadmapItem.Status.PENDING
    assert not records["item"].changes.exists()
