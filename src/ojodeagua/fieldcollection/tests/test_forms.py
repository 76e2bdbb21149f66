"""The phone's forms: written from the import specs, valid for javarosa (the engine inside
ODK Collect), and downloadable as XLSForm spreadsheets."""

import io
import shutil

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from ojodeagua.fieldcollection import xlsforms
from ojodeagua.monitoring.import_spec import import_specs
from ojodeagua.monitoring.models import InspectionForm

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not shutil.which("java"), reason="javarosa's validator needs Java")
@pytest.mark.parametrize("form", xlsforms.FORMS, ids=lambda form: form.form_id)
def test_every_form_passes_the_javarosa_validator(form):
    built = xlsforms.BuiltForm(form)
    sheets = {
        **built.sheets,
        "settings": [{**built.sheets["settings"][0], "version": built.version}],
    }
    # validate=True runs ODK_Validate.jar (javarosa, as in Collect); it raises on any error.
    result = convert(xlsform=sheets, validate=True)
    assert result.xform.encode() == built.xform


def test_a_column_added_to_an_import_spec_appears_on_the_phone(monkeypatch):
    from ojodeagua.imports.columns import Column, Number

    spec = import_specs()["supply-days"]
    before = xlsforms.BuiltForm(xlsforms.FORMS_BY_ID["ojodeagua_suministro"])
    extra = Column("pressure_m", Number(minimum=0, maximum=200), description="presión (m)")
    monkeypatch.setattr(spec, "columns", [*spec.columns, extra])
    after = xlsforms.BuiltForm(xlsforms.FORMS_BY_ID["ojodeagua_suministro"])
    row = next(r for r in after.sheets["survey"] if r["name"] == "pressure_m")
    assert row["type"] == "decimal"
    assert row["constraint"] == ". >= 0 and . <= 200"
    assert after.version != before.version


def test_choices_limits_and_the_perception_questions_come_from_the_specs():
    household = xlsforms.BuiltForm(xlsforms.FORMS_BY_ID["ojodeagua_hogar"]).sheets
    names = [row["name"] for row in household["survey"] if "name" in row]
    # What people feel about their water is asked first.
    assert names[:4] == ["locality_key", "water_has_problem", "satisfied", "sufficient_last_month"]
    assert "record_id" not in names and "state" not in names
    supply = xlsforms.BuiltForm(xlsforms.FORMS_BY_ID["ojodeagua_suministro"]).sheets["survey"]
    hours = next(row for row in supply if row.get("name") == "hours")
    assert hours["type"] == "decimal" and hours["constraint"] == ". >= 0 and . <= 24"
    assert [row["type"] for row in supply if row["type"].endswith("_repeat")] == [
        "begin_repeat",
        "end_repeat",
    ]


def test_the_visit_asks_each_inspection_forms_questions_only_when_it_is_chosen():
    sheets = xlsforms.BuiltForm(xlsforms.FORMS_BY_ID["ojodeagua_visita"]).sheets
    form = InspectionForm.objects.prefetch_related("questions").order_by("code").first()
    group = next(row for row in sheets["survey"] if row.get("name") == f"insp{form.pk}")
    assert group["relevant"] == f"${{inspection_form}} = '{form.code}'"
    questions = [
        row for row in sheets["survey"] if row.get("name", "").startswith(f"insp{form.pk}_q")
    ]
    assert [row["label"] for row in questions] == [q.text for q in form.questions.all()]


def test_each_form_downloads_as_an_xlsform_spreadsheet(agencia):
    response = agencia.get("/campo/")
    assert response.status_code == 200
    for form in xlsforms.FORMS:
        link = f"/campo/formularios/{form.form_id}.xlsx"
        assert link in response.content.decode()
        book = load_workbook(io.BytesIO(agencia.get(link).content))
        assert book.sheetnames == ["survey", "choices", "settings"]
        settings = list(book["settings"].values)
        assert settings[1][settings[0].index("form_id")] == form.form_id
