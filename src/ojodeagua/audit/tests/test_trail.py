"""The audit trail is append-only and only coordinators see it, limited to their area."""

import pytest
from django.db import DatabaseError, connection, transaction

from ojodeagua.audit.models import AppendOnlyError, AuditEvent
from ojodeagua.audit.trail import record
from ojodeagua.providers.models import Provider


@pytest.fixture
def event(db):
    provider = Provider.objects.filter(municipality__key="07012").first()
    return record(None, AuditEvent.Action.UPDATE, provider, {"notes": ["", "x"]})


def test_events_cannot_be_changed_or_deleted_through_the_orm(event):
    event.object_repr = "otro"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="otro")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_database_itself_refuses_to_change_an_event(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET object_repr = 'alterado' WHERE id = %s", [event.pk]
        )
    assert AuditEvent.objects.get(pk=event.pk).object_repr != "alterado"


def test_a_coordinator_sees_changes_in_her_area_only(agencia, event):
    outside = Provider.objects.filter(municipality__key="07061").first()
    record(None, AuditEvent.Action.UPDATE, outside, {"notes": ["", "fuera"]})

    html = agencia.get("/bitacora/").content.decode()

    assert event.object_repr in html
    assert outside.name not in html


def test_facilitators_and_treasurers_do_not_see_the_trail(ong, tesorera):
    assert ong.get("/bitacora/").status_code == 403
    assert tesorera.get("/bitacora/").status_code == 403


def test_a_coordinator_opens_one_records_history_from_its_page(agencia):
    provider = Provider.objects.filter(municipality__key="07012").last()
    other = Provider.objects.filter(municipality__key="07012").first()
    record(None, AuditEvent.Action.UPDATE, provider, {"notes": ["", "revisado"]})
    record(None, AuditEvent.Action.UPDATE, other, {"notes": ["", "otro"]})

    detail = agencia.get(provider.get_absolute_url()).content.decode()
    link = f"/bitacora/?tipo=providers.provider&amp;id={provider.pk}"
    assert link in detail
    history = agencia.get(link.replace("&amp;", "&")).content.decode()

    assert f"Historial de «{provider.name}»" in history
    assert "revisado" in history
    assert "otro" not in history


def test_the_history_link_is_not_offered_to_those_who_cannot_read_the_trail(tesorera):
    from ojodeagua.organisations.models import Membership

    own = Membership.objects.get(user__username="tesorera").providers.get()
    assert "/bitacora/" not in tesorera.get(own.get_absolute_url()).content.decode()


def test_a_file_is_named_in_the_trail_not_read_into_it(tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from django.db.models.fields.files import FieldFile

    from ojodeagua.audit.trail import plain
    from ojodeagua.integrity.models import Attachment

    storage = FileSystemStorage(location=tmp_path)
    storage.save("integrity/acta.txt", ContentFile(b"line1\nline2\n"))
    field = Attachment._meta.get_field("file")
    stored = FieldFile(None, field, "integrity/acta.txt")
    stored.storage = storage
    assert plain(stored) == "integrity/acta.txt"
    assert plain(FieldFile(None, field, "")) == ""


def test_the_agency_reads_that_a_padron_name_changed_but_not_the_name(agencia, tesorera):
    from ojodeagua.audit.trail import save_audited
    from ojodeagua.books.models import Household
    from ojodeagua.organisations.models import Membership

    provider = Membership.objects.get(user__username="tesorera").providers.get()
    home = Household(
        provider=provider, number="501", name="Josefa Ruiz Pérez", locality=provider.locality
    )
    save_audited(None, home, home.save)
    home.name = "Josefa Ruiz de López"
    save_audited(None, home, home.save)
    page = agencia.get("/bitacora/").content.decode()
    assert f"hogar del padrón #{home.pk}" in page and "(dato personal)" in page
    assert "Josefa" not in page


def test_the_trail_names_fields_and_values_in_words_not_as_stored():
    from ojodeagua.audit.display import readable_changes
    from ojodeagua.books.models import Expense, Quote

    created = readable_changes(
        Expense, {"paid_from": "bank", "amount": "120.00", "gone": "x"}, update=False
    )
    assert created == [
        ("Se pagó de", "cuenta de banco o cooperativa"),
        ("Monto", "120.00"),
        ("gone", "x"),  # a field the model no longer has keeps its stored name
    ]
    assert readable_changes(Quote, {"chosen": [False, True]}, update=True) == [
        ("Se eligió", ["No", "Sí"])
    ]
    # A model that no longer exists: the stored JSON as it is.
    assert readable_changes(None, {"chosen": True}, update=False) == [("chosen", True)]


def test_the_agency_reads_the_trail_in_words(agencia):
    from ojodeagua.audit.trail import record
    from ojodeagua.books.models import Expense

    expense = Expense.objects.filter(provider__municipality__key="07012", paid_from="bank").first()
    record(None, "update", expense, {"paid_from": ["cash", "bank"]})
    page = agencia.get(f"/bitacora/?tipo=books.expense&id={expense.pk}").content.decode()
    assert "Se pagó de: caja → cuenta de banco o cooperativa" in page
    assert "paid_from" not in page
