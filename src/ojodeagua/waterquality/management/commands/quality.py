"""`ojodeagua quality evaluate FILE.csv` judges a file; `quality rejudge` the stored results."""

import argparse
import csv
import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ojodeagua.lib.tabular import ReadLimits, TabularFileError, read_csv
from ojodeagua.waterquality.verdicts import (
    BAD_VALUE,
    NO_LIMIT,
    NOT_EVALUABLE,
    UNKNOWN_PARAMETER,
    CompositeJudgement,
    Judge,
    Judgement,
    Reading,
    composite_judgements,
    read_value,
    stated_unit_and_basis,
)

REQUIRED = ["SAMPLE_DATE", "PARAMETER", "VALUE", "UNIT"]
# Rows of one sample are judged together by the composite rules (nitrate + nitrite, THMs):
# by the SAMPLE column when the file has one, otherwise by date, locality and population.
SAMPLE_KEYS = [
    ["SAMPLE"],
    ["SAMPLE_ID"],
    ["MUESTRA"],
    ["SAMPLE_DATE", "LOCALITY", "LOCALITY_POPULATION"],
]


class Command(BaseCommand):
    help = "Calidad del agua: evalúa resultados de laboratorio contra las normas registradas."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
        evaluate = actions.add_parser(
            "evaluate",
            help=(
                "Lee un CSV (sample_date, locality_population, parameter, value, unit, method; "
                "opcional sample) y lo escribe en la salida con el veredicto de cada norma. "
                "Al final agrega una fila por cada regla combinada de la OMS (nitrato + nitrito, "
                "trihalometanos) que se pudo aplicar a una muestra."
            ),
        )
        evaluate.add_argument("file", type=Path, help="Archivo CSV de resultados")
        rejudge = actions.add_parser(
            "rejudge",
            help=(
                "Vuelve a comparar con las normas los resultados guardados (por ejemplo después "
                "de cambiar un límite) y actualiza los indicadores."
            ),
        )
        rejudge.add_argument("--norm", metavar="CÓDIGO", help="Sólo esta norma (nom127, who…)")
        rejudge.add_argument(
            "--since", type=iso_date, metavar="AAAA-MM-DD", help="Muestras desde esta fecha"
        )
        rejudge.add_argument(
            "--until", type=iso_date, metavar="AAAA-MM-DD", help="Muestras hasta esta fecha"
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "evaluate":
            self.evaluate(options["file"])
        elif action == "rejudge":
            self.rejudge(options["norm"], options["since"], options["until"])

    def rejudge(self, code: str | None, since, until) -> None:
        from ojodeagua.waterquality.models import Norm
        from ojodeagua.waterquality.rejudge import rejudge_report

        norm = None
        if code:
            norm = Norm.objects.filter(code=code).first()
            if norm is None:
                codes = ", ".join(Norm.objects.values_list("code", flat=True))
                raise CommandError(
                    _("No hay una norma con el código «%(code)s». Use uno de: %(codes)s.")
                    % {"code": code, "codes": codes}
                )
        if since and until and until < since:
            raise CommandError(_("La fecha --until no puede ser antes de --since."))
        report = rejudge_report(norm, since, until)
        indicators = {
            "": _("no hizo falta actualizar indicadores"),
            "some": _("se actualizaron los indicadores de esas muestras"),
            "all": _("se recalcularon todos los indicadores"),
        }[report.indicators]
        self.stdout.write(
            _(
                "Resultados comparados de nuevo: %(results)s. Veredictos que cambiaron: "
                "%(changed)s (en %(samples)s muestras); %(indicators)s. Tardó %(seconds).1f s."
            )
            % {
                "results": report.results,
                "changed": report.changed,
                "samples": len(report.sample_ids),
                "indicators": indicators,
                "seconds": report.seconds,
            }
        )

    def evaluate(self, file: Path) -> None:
        if not file.is_file():
            raise CommandError(
                _("No existe el archivo %(file)s. Revise la ruta y vuelva a intentar.")
                % {"file": file}
            )
        try:
            table = read_csv(file.read_bytes(), ReadLimits.for_commands())
        except TabularFileError as error:
            raise CommandError(str(error)) from error
        missing = [name for name in REQUIRED if name not in table.columns]
        if missing:
            raise CommandError(
                _(
                    "Al archivo le faltan las columnas: %(columns)s. Agréguelas en la primera "
                    "línea (el encabezado) y vuelva a intentar."
                )
                % {"columns": ", ".join(name.lower() for name in missing)}
            )
        header = table.header
        judge = Judge()
        norm_codes = list(judge.norms)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow([*header, *norm_codes, *(f"{code}_limit" for code in norm_codes), "reason"])
        sample_key = next(
            keys for keys in SAMPLE_KEYS if all(key in table.columns for key in keys[:1])
        )
        samples: dict[tuple, tuple[dict[str, str], list[Reading]]] = {}
        for _line, row in table.rows():
            judgements = judge_row(judge, row, norm_codes)
            key = tuple(row.get(name, "").strip() for name in sample_key)
            reading = composite_reading(judge, row)
            samples.setdefault(key, (row, []))[1].extend([reading] if reading else [])
            reasons = "; ".join(
                f"{code}: {judgement.reason}"
                for code, judgement in zip(norm_codes, judgements, strict=True)
                if judgement.reason
            )
            writer.writerow(
                [
                    *(row.get(column, "") for column in table.columns),
                    *(judgement.outcome for judgement in judgements),
                    *(judgement.limit_text for judgement in judgements),
                    reasons,
                ]
            )
        for row, readings in samples.values():
            for composite in composite_judgements(readings, sample_date(row), judge=judge):
                writer.writerow(composite_row(table.columns, row, norm_codes, composite))


def composite_row(
    columns: list[str], row: dict[str, str], norm_codes: list[str], composite: CompositeJudgement
) -> list[str]:
    """A line after the results: the rule's name as parameter, the sum of ratios as value."""
    written = {
        "SAMPLE_DATE": row.get("SAMPLE_DATE", ""),
        "LOCALITY_POPULATION": row.get("LOCALITY_POPULATION", ""),
        "PARAMETER": str(composite.rule.name),
        "VALUE": composite.sum_text,
        "UNIT": _("suma de cocientes"),
    }
    for name in ("SAMPLE", "SAMPLE_ID", "MUESTRA", "LOCALITY"):
        if name in row:
            written[name] = row[name]
    code = composite.rule.norm_code
    return [
        *(written.get(column, "") for column in columns),
        *(composite.outcome if each == code else NO_LIMIT for each in norm_codes),
        *("≤ 1" if each == code else "" for each in norm_codes),
        f"{code}: {composite.reason}" if composite.reason else "",
    ]


def composite_reading(judge: Judge, row: dict[str, str]) -> Reading | None:
    """The row as a member of a composite rule, or None when it cannot be one."""
    parameter_text = row.get("PARAMETER", "").strip()
    parameter = judge.recognise(parameter_text)
    if parameter is None:
        return None
    try:
        reported = read_value(row.get("VALUE"))
    except ValueError:
        return None
    unit, basis = stated_unit_and_basis(parameter_text, row.get("UNIT", ""), row.get("METHOD", ""))
    return Reading(
        parameter,
        reported.value,
        unit,
        below_detection=reported.below_detection,
        outcome=reported.outcome,
        above_range=reported.above_range,
        basis=basis,
    )


def sample_date(row: dict[str, str]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(row.get("SAMPLE_DATE", "").strip())
    except ValueError:
        return None


def judge_row(judge: Judge, row: dict[str, str], norm_codes: list[str]) -> list[Judgement]:
    """One judgement per norm; a row that cannot be read is not evaluable, with its reason."""
    parameter_text = row.get("PARAMETER", "").strip()
    try:
        reported = read_value(row.get("VALUE"))
    except ValueError:
        return [Judgement(NOT_EVALUABLE, BAD_VALUE) for _code in norm_codes]
    sampled_on = sample_date(row)
    parameter = judge.recognise(parameter_text)
    if parameter is None and not parameter_text:
        return [Judgement(NOT_EVALUABLE, UNKNOWN_PARAMETER) for _code in norm_codes]
    unit, basis = stated_unit_and_basis(parameter_text, row.get("UNIT", ""), row.get("METHOD", ""))
    return [
        judge.evaluate(
            parameter,
            reported.value,
            unit,
            sampled_on,
            population(row.get("LOCALITY_POPULATION", "")),
            code,
            below_detection=reported.below_detection,
            outcome=reported.outcome,
            above_range=reported.above_range,
            basis=basis,
        )
        for code in norm_codes
    ]


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            _("«%(text)s» no es una fecha; escríbala como AAAA-MM-DD, por ejemplo 2024-06-01.")
            % {"text": text}
        ) from error


def population(text: str) -> int | None:
    """ "2,000", "2 000" or "2000" → 2000; anything else is unknown."""
    digits = text.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if digits.endswith(".0"):
        digits = digits[:-2]
    return int(digits) if digits.isdigit() else None
