"""A file written the way Mexican laboratories write their reports, judged end to end by
`ojodeagua quality evaluate`: every row's verdict per norm, and WHO's sums of ratios."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LAB_FILE = Path(__file__).parent / "data" / "laboratorio_chiapas.csv"

# (sample, parameter as written, value as written) → (NOM-127, WHO, reason column)
EXPECTED = [
    ("M-101", "Coliformes fecales NMP/100 mL", "<1.1", "pass", "pass", ""),
    ("M-101", "E. coli", "N.D.", "pass", "pass", ""),
    (
        "M-101",
        "Cloro residual libre",
        "0.1",
        "fail",
        "fail",
        "nom127: below_minimum; who: below_minimum",
    ),
    ("M-101", "Cloro residual total", "1.2", "no_limit", "no_limit", ""),
    ("M-101", "Nitratos (NO3-)", "45", "pass", "pass", ""),  # 10.2 as N
    ("M-101", "Fluoruros (F-)", "1.2", "pass", "pass", ""),
    ("M-101", "Arsénico total", "< 0.005", "pass", "pass", ""),
    (
        "M-101",
        "Plomo",
        "<LD",
        "not_evaluable",
        "not_evaluable",
        "nom127: below_detection_no_usable_limit; who: below_detection_no_usable_limit",
    ),
    ("M-101", "Turbiedad", "3.5", "fail", "no_limit", ""),  # 3.0 UNT since 27/04/2024
    ("M-101", "pH", "7.2", "pass", "no_limit", ""),
    ("M-101", "Dureza total (como CaCO3)", "180", "pass", "no_limit", ""),
    (
        "M-101",
        "Hierro disuelto",
        "0.1",
        "not_evaluable",
        "not_evaluable",
        "nom127: unknown_parameter; who: unknown_parameter",
    ),
    (
        "M-101",
        "Cromo hexavalente",
        "0.01",
        "not_evaluable",
        "not_evaluable",
        "nom127: unknown_parameter; who: unknown_parameter",
    ),
    ("M-102", "Coliformes fecales NMP/100 mL", "23", "fail", "fail", ""),
    ("M-102", "Cloro residual libre", "0.8", "pass", "pass", ""),
    (
        "M-102",
        "Nitratos",
        "45",
        "not_evaluable",
        "not_evaluable",
        "nom127: basis_unstated; who: basis_unstated",
    ),
    (
        "M-102",
        "Arsénico",
        "0.012",
        "not_evaluable",
        "not_evaluable",
        "nom127: unit_substance_mismatch; who: unit_substance_mismatch",
    ),
    ("M-102", "Níquel", "0.08", "fail", "fail", ""),
    ("M-102", "Selenio", "10", "pass", "pass", ""),  # µg Se/L
    ("M-103", "Nitratos (mg/L N-NO3)", "12.0", "fail", "fail", ""),
    ("M-103", "Nitritos (como N)", "0.5", "pass", "pass", ""),
    ("M-103", "Nitrógeno amoniacal (NH3-N)", "0.3", "pass", "no_limit", ""),
    ("M-104", "Nitratos (NO3-)", "40", "pass", "pass", ""),
    ("M-104", "Nitritos (NO2-)", "0.9", "pass", "pass", ""),
    ("M-105", "Cloroformo", "200", "pass", "pass", ""),
    ("M-105", "Bromodiclorometano", "30", "pass", "pass", ""),
    ("M-105", "Bromoformo", "<5", "pass", "pass", ""),
    ("M-105", "Dibromoclorometano", "10", "pass", "pass", ""),
    ("M-106", "Nitratos (mg/L N-NO3)", "2.0", "pass", "pass", ""),
    ("M-106", "Nitritos (mg/L N-NO2)", "< 0.01", "pass", "pass", ""),
    ("M-107", "Arsénico", "0.015", "fail", "fail", "nom127: population_between_classes"),
    ("M-107", "Arsénico", "0.008", "pass", "pass", "nom127: population_between_classes"),
    ("M-108", "Cloruros", "300", "fail", "not_evaluable", "who: norm_not_on_file"),
    ("M-108", "Zinc", "1.0", "pass", "not_evaluable", "who: norm_not_on_file"),
    # WHO's composite rules, one line per sample that has two members or more.
    ("M-103", "Nitrato + nitrito: suma de cocientes (OMS)", "1.61", "no_limit", "fail", ""),
    ("M-104", "Nitrato + nitrito: suma de cocientes (OMS)", "1.10", "no_limit", "fail", ""),
    (
        "M-105",
        "Trihalometanos: suma de cocientes (OMS)",
        "1.27 – 1.32",
        "no_limit",
        "fail",
        "who: detection_limit_counted",
    ),
    (
        "M-106",
        "Nitrato + nitrito: suma de cocientes (OMS)",
        "0.18 – 0.19",
        "no_limit",
        "pass",
        "who: detection_limit_counted",
    ),
]


@pytest.fixture
def rows() -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("quality", "evaluate", str(LAB_FILE), stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_the_laboratory_file_is_judged_row_by_row(rows):
    got = [
        (row["muestra"], row["parameter"], row["value"], row["nom127"], row["who"], row["reason"])
        for row in rows
    ]
    assert got == EXPECTED


def test_limits_are_written_beside_each_verdict(rows):
    by_name = {(row["muestra"], row["parameter"]): row for row in rows}

    chlorine = by_name[("M-101", "Cloro residual libre")]
    assert (chlorine["nom127_limit"], chlorine["who_limit"]) == ("0.2 a 1.5 mg/L", "0.2 a 5 mg/L")
    nitrate = by_name[("M-101", "Nitratos (NO3-)")]
    assert (nitrate["nom127_limit"], nitrate["who_limit"]) == (
        "≤ 11 mg/L como N",
        "≤ 50 mg/L como NO3",
    )
    assert by_name[("M-101", "Turbiedad")]["nom127_limit"] == "≤ 3 NTU"
    composite = by_name[("M-104", "Nitrato + nitrito: suma de cocientes (OMS)")]
    assert (composite["who_limit"], composite["unit"], composite["sample_date"]) == (
        "≤ 1",
        "suma de cocientes",
        "2024-08-20",
    )
