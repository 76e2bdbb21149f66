"""`ojodeagua quality evaluate FILE.csv`, end to end, bad rows included."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db

ROWS = """sample_date;locality_population;parameter;value;unit;method
2029-04-26;2000;Arsénico;0.015;mg/L;ICP-MS
2029-04-27;2000;ARSENICO;15;µg/L;ICP-MS
2024-04-27;600000;As;0.015;mg/L;
2023-04-26;2000;arsenico;0.015;mg/L;
2024-06-01;2000;E. coli;<1.1;NMP/100 mL;NMP
2024-06-01;2000;Coliformes fecales;presencia;;presencia/ausencia
2024-06-01;2000;E. coli;no detectado;;
2024-06-01;2000;Nitratos;50;mg/L NO3;
2024-06-01;2000;Fluoruros;<2;mg/L;
2024-06-01;2000;Plomo;<0.005;mg/L;
2024-06-01;2000;Turbiedad;2;mg/L;
2024-06-01;;pH;9.1;;
2024-06-01;2000;Sólidos disueltos totales;1200;mg/L;
1990-01-01;2000;Turbiedad;2;NTU;
31/02/2024;2000;Plomo;0.005;mg/L;
2024-06-01;2000;Plomo;mucho;mg/L;
2024-06-01;2000;;0.005;mg/L;
2024-06-01;2000;Kriptonita;1;mg/L;
2024-06-01;2000;Hierro;0.1;;
"""


def run(tmp_path, text: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    path = tmp_path / "resultados.csv"
    path.write_bytes(text.encode(encoding))
    out = io.StringIO()
    call_command("quality", "evaluate", str(path), stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_every_row_comes_back_with_both_verdicts(tmp_path):
    rows = run(tmp_path, ROWS)

    assert len(rows) == 19
    assert list(rows[0]) == [
        "sample_date",
        "locality_population",
        "parameter",
        "value",
        "unit",
        "method",
        "nom127",
        "who",
        "nom127_limit",
        "who_limit",
        "reason",
    ]
    assert rows[0]["parameter"] == "Arsénico"
    assert rows[0]["method"] == "ICP-MS"

    def verdicts(index):
        row = rows[index]
        return row["nom127"], row["who"], row["reason"]

    assert verdicts(0) == ("pass", "fail", "")
    assert rows[0]["nom127_limit"] == "≤ 0.025 mg/L"
    assert rows[0]["who_limit"] == "≤ 0.01 mg/L"
    assert verdicts(1) == ("fail", "fail", "")
    assert verdicts(2) == ("fail", "fail", "")
    assert verdicts(3) == ("pass", "fail", "")  # 1994 norm: 0.025
    assert verdicts(4) == ("pass", "pass", "")
    assert verdicts(5) == ("fail", "fail", "")
    assert verdicts(6) == ("pass", "pass", "")
    assert verdicts(7) == ("fail", "pass", "")  # 11.3 as N; 50 as NO3
    assert verdicts(8) == (
        "not_evaluable",
        "not_evaluable",
        "nom127: below_detection_no_usable_limit; who: below_detection_no_usable_limit",
    )
    assert verdicts(9) == ("pass", "pass", "")
    assert verdicts(10) == ("not_evaluable", "no_limit", "nom127: unconvertible_unit")
    assert verdicts(11) == ("fail", "no_limit", "nom127: above_maximum")
    assert verdicts(12) == ("fail", "no_limit", "")
    assert verdicts(13) == (
        "not_evaluable",
        "not_evaluable",
        "nom127: norm_not_on_file; who: norm_not_on_file",
    )


def test_bad_rows_are_not_evaluable_and_do_not_stop_the_run(tmp_path):
    rows = run(tmp_path, ROWS)

    bad_date, bad_value, no_parameter, unknown, no_unit = rows[14:]
    assert (bad_date["nom127"], bad_date["reason"]) == (
        "not_evaluable",
        "nom127: bad_date; who: bad_date",
    )
    assert (bad_value["who"], bad_value["reason"]) == (
        "not_evaluable",
        "nom127: bad_value; who: bad_value",
    )
    assert no_parameter["reason"] == "nom127: unknown_parameter; who: unknown_parameter"
    assert unknown["reason"] == "nom127: unknown_parameter; who: unknown_parameter"
    assert (no_unit["nom127"], no_unit["reason"]) == ("not_evaluable", "nom127: missing_unit")


def test_a_latin1_comma_file_is_read(tmp_path):
    text = (
        "sample_date,locality_population,parameter,value,unit\n2024-06-01,300,Arsénico,0.2,mg/L\n"
    )

    (row,) = run(tmp_path, text, encoding="latin-1")

    assert row["parameter"] == "Arsénico"
    assert row["nom127"] == "fail"


def test_a_file_without_the_needed_columns_is_refused(tmp_path):
    path = tmp_path / "otra.csv"
    path.write_text("fecha,valor\n2024-01-01,3\n", encoding="utf-8")

    with pytest.raises(CommandError, match="sample_date, parameter, value, unit"):
        call_command("quality", "evaluate", str(path), stdout=io.StringIO())


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No existe el archivo"):
        call_command("quality", "evaluate", str(tmp_path / "no.csv"), stdout=io.StringIO())
