"""The engine's hooks and policy, shown with a small spec that imports permission groups by name."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError

from ojodeagua.imports.columns import Column, Text
from ojodeagua.imports.engine import ImportJob, ImportSpec, ParsedRow, describe_columns, run_import
from ojodeagua.lib.tabular import TabularFileError

pytestmark = pytest.mark.django_db


class GroupSpec(ImportSpec):
    """One group per row, keyed by its name; it notes which hooks ran, in order."""

    kind = "groups"
    label = "grupos"
    columns = [Column("name", Text(150), field="name", required=True, description="nombre")]

    def __init__(self, *, check_stored: bool = True, conflict_message: str = "") -> None:
        self.calls: list[str] = []
        self.check_stored = check_stored
        self.write_conflict_message = conflict_message

    def check_columns(self, present: set[str]) -> None:
        self.calls.append("check_columns")

    def plan(self, rows: list[ParsedRow], job: ImportJob) -> list[str]:
        self.calls.append("plan")
        stored = set(Group.objects.values_list("name", flat=True)) if self.check_stored else set()
        names = []
        for row in rows:
            name = row.values["name"]
            if name in stored:
                job.result.unchanged += 1
            else:
                names.append(name)
                job.result.created += 1
        return names

    def write(self, plan: list[str], job: ImportJob) -> list[Group]:
        self.calls.append("write")
        return Group.objects.bulk_create([Group(name=name) for name in plan])

    def after_write(self, changed: list[Group], job: ImportJob) -> None:
        self.calls.append("after_write")


def test_a_spec_plans_and_writes_through_the_hooks_in_order():
    Group.objects.create(name="ya estaba")
    spec = GroupSpec()

    result = run_import(spec, b"name,color\nnuevo\nya estaba\n")

    assert spec.calls == ["check_columns", "plan", "write", "after_write"]
    assert (result.rows, result.created, result.unchanged) == (2, 1, 1)
    assert result.ignored_columns == ["color"]
    assert result.written
    assert [group.name for group in result.changed] == ["nuevo"]
    assert Group.objects.filter(name="nuevo").exists()


def test_a_row_missing_a_required_cell_is_rejected_with_its_line_and_strict_writes_nothing():
    spec = GroupSpec()

    result = run_import(spec, b"name\nuno\n\n,x\n", strict=True)

    assert result.rejected == [(4, "la columna name está vacía y es obligatoria")]
    assert spec.calls == ["check_columns", "plan"]
    assert not result.written
    assert not Group.objects.filter(name="uno").exists()


def test_a_dry_run_does_all_the_work_and_then_rolls_it_back():
    spec = GroupSpec()

    result = run_import(spec, b"name\nprueba\n", dry_run=True)

    assert spec.calls == ["check_columns", "plan", "write", "after_write"]
    assert result.created == 1
    assert not result.written and result.changed == []
    assert not Group.objects.filter(name="prueba").exists()


def test_a_file_without_a_required_column_is_refused_naming_the_column_and_the_kind():
    with pytest.raises(TabularFileError, match=r"le faltan columnas: name\..*«grupos»"):
        run_import(GroupSpec(), b"nombre\nuno\n")


def test_a_key_saved_by_someone_else_while_writing_refuses_the_whole_file_with_the_spec_message():
    Group.objects.create(name="doble")
    spec = GroupSpec(
        check_stored=False, conflict_message="Alguien más lo guardó; vuelva a importar."
    )

    with pytest.raises(TabularFileError, match="Alguien más lo guardó"):
        run_import(spec, b"name\notro\ndoble\n")

    assert not Group.objects.filter(name="otro").exists()


def test_without_a_conflict_message_the_database_error_is_not_hidden():
    Group.objects.create(name="doble")

    with pytest.raises(IntegrityError):
        run_import(GroupSpec(check_stored=False), b"name\ndoble\n")


def test_the_columns_are_described_for_the_upload_page_and_the_documentation():
    assert describe_columns(GroupSpec()) == [
        {"name": "name", "type": "texto", "required": True, "description": "nombre", "codes": []}
    ]
