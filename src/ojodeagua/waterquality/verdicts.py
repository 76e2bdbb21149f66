"""Judge results against the norm version and limit in force on the sampling date."""

import datetime
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from . import units
from .models import Limit, Norm, NormVersion, Parameter, Result, Sample, Verdict

PASS = Verdict.Outcome.PASS.value
FAIL = Verdict.Outcome.FAIL.value
NOT_EVALUABLE = Verdict.Outcome.NOT_EVALUABLE.value
NO_LIMIT = Verdict.Outcome.NO_LIMIT.value

# Reason codes, stored in Verdict.reason; pages translate them with REASON_TEXT.
MISSING_UNIT = units.MISSING_UNIT
UNCONVERTIBLE_UNIT = units.UNCONVERTIBLE_UNIT
BELOW_DETECTION_NO_USABLE_LIMIT = "below_detection_no_usable_limit"
ABOVE_RANGE_NO_USABLE_LIMIT = "above_range_no_usable_limit"
UNKNOWN_PARAMETER = "unknown_parameter"
NORM_NOT_ON_FILE = "norm_not_on_file"
NO_VALUE = "no_value"
UNKNOWN_POPULATION = "unknown_population"
BAD_DATE = "bad_date"
BAD_VALUE = "bad_value"
# Nitrogen species: nitrate 45 mg/L is 45 as N or 10.2 as N (as NO3); the basis must be read.
BASIS_UNSTATED = "basis_unstated"
BASIS_CONFLICT = "basis_conflict"
BASIS_EITHER_READING = "basis_either_reading"
# "mg/L Pb" on an arsenic result: the unit names another substance.
UNIT_SUBSTANCE_MISMATCH = "unit_substance_mismatch"
# Which end of a range failed (free chlorine: too little is no disinfection).
BELOW_MINIMUM = "below_minimum"
ABOVE_MAXIMUM = "above_maximum"
# NOM-127-SSA1-2021's classes leave exactly 500,000 inhabitants out; the stricter one judges.
POPULATION_BETWEEN_CLASSES = "population_between_classes"
# Composite (sum of ratios) judgements.
DETECTION_LIMIT_COUNTED = "detection_limit_counted"
MEMBER_WITHOUT_LIMIT = "member_without_limit"

REASON_TEXT = {
    MISSING_UNIT: _("falta la unidad del valor"),
    UNCONVERTIBLE_UNIT: _("la unidad no se puede convertir a la del límite"),
    BELOW_DETECTION_NO_USABLE_LIMIT: _(
        "el límite de detección del método es mayor que el límite de la norma"
    ),
    ABOVE_RANGE_NO_USABLE_LIMIT: _(
        "el valor sólo dice «mayor que» una cifra que no rebasa el límite"
    ),
    UNKNOWN_PARAMETER: _("no se reconoce el parámetro"),
    NORM_NOT_ON_FILE: _(
        "la edición de esta norma o guía vigente en la fecha de la muestra no está en el "
        "sistema; no se juzga con otra edición"
    ),
    NO_VALUE: _("no hay valor medido"),
    UNKNOWN_POPULATION: _(
        "el límite depende de la población de la localidad y no se sabe cuántos habitantes tiene"
    ),
    BAD_DATE: _("la fecha no se puede leer"),
    BAD_VALUE: _("el valor no se puede leer"),
    BASIS_UNSTATED: _(
        "no dice si el valor está expresado como nitrógeno (N) o como el ion (NO3, NO2, NH4), "
        "y el veredicto cambia según la lectura; anote la forma en la unidad, p. ej. mg/L N-NO3"
    ),
    BASIS_CONFLICT: _(
        "el nombre y la unidad dicen formas distintas (como N o como el ion) y el veredicto "
        "cambia según cuál se crea; corrija una de las dos"
    ),
    BASIS_EITHER_READING: _(
        "no se sabe con certeza si está expresado como nitrógeno (N) o como el ion; el "
        "veredicto es el mismo con cualquiera de las dos lecturas"
    ),
    UNIT_SUBSTANCE_MISMATCH: _(
        "la unidad nombra otra sustancia que la del parámetro (p. ej. «mg/L Pb» en arsénico)"
    ),
    BELOW_MINIMUM: _("el valor está por debajo del mínimo del intervalo"),
    ABOVE_MAXIMUM: _("el valor está por encima del máximo del intervalo"),
    POPULATION_BETWEEN_CLASSES: _(
        "la población de la localidad no cae en ninguna clase de la norma (500 000 exactos); "
        "se aplica la clase más estricta, para proteger la salud"
    ),
    DETECTION_LIMIT_COUNTED: _(
        "algún componente está por debajo del límite de detección: para decir que cumple se "
        "contó con el límite de detección; para decir que no cumple, con cero"
    ),
    MEMBER_WITHOUT_LIMIT: _("algún componente no tiene valor guía en esta edición"),
}

DETECTED = Result.Outcome.DETECTED.value
NOT_DETECTED = Result.Outcome.NOT_DETECTED.value

# The methods NOM-127-SSA1-2021 accepts for "not detectable" report < 1.1 (MPN) or < 1 (CFU).
NOT_DETECTABLE_COUNT = Decimal("1.1")
# How long a process trusts its parameter table when no save signal reached it
# (another process may have edited the parameters in the admin).
PARAMETER_TABLE_SECONDS = 300


@dataclass(frozen=True)
class Judgement:
    """A result judged against one norm: outcome, reason, and the version and limit used."""

    outcome: str
    reason: str = ""
    norm: Norm | None = None
    version: NormVersion | None = None
    limit: Limit | None = None
    limit_text: str = ""
    # The value in the limit's unit, when it could be converted.
    value: Decimal | None = None

    @property
    def clause(self) -> str:
        return self.limit.clause if self.limit else ""


# --- Recognising parameters -------------------------------------------------------------------


def name_key(text: str) -> str:
    """ "Arsénico (As)" → "arsenico as": the form names are compared in."""
    folded = units.normalise(text or "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


# Words that change what was measured: a name that loses one of them names something else
# ("Cloro residual total" is not free chlorine, "hierro disuelto" is not iron as the norm
# counts it). They are never dropped; "Arsénico total" is matched by an explicit alias.
QUALIFIERS = {
    "total",
    "totales",
    "combinado",
    "combinada",
    "disuelto",
    "disuelta",
    "disueltos",
    "disueltas",
    "hexavalente",
    "trivalente",
    "libre",
    "suspendido",
    "suspendidos",
    "organico",
    "inorganico",
    "particulado",
}


def _name_candidates(text: str) -> list[str]:
    """The keys a name is looked up by, most literal first.

    A unit written in the name is set aside ("Nitratos (mg/L N-NO3)"); parentheses and a
    "como …" tail are dropped only when they hold no qualifier. The basis they may state is
    read separately (units.basis_in_text), never lost.
    """
    seen: list[str] = []

    def add(key: str) -> None:
        if key and key not in seen:
            seen.append(key)

    for name in dict.fromkeys([text or "", units.unit_in_name(text or "")[0]]):
        full = name_key(name)
        add(full)
        folded = units.normalise(name)
        inside = " ".join(re.findall(r"\((.*?)\)", folded))
        if set(name_key(inside).split()) & QUALIFIERS:
            continue
        bare = name_key(re.sub(r"\(.*?\)", " ", folded))
        add(bare)
        tail = re.search(r"\b(como|as|expresado como|expressed as)\b.*$", bare)
        if tail and not set(tail.group(0).split()) & QUALIFIERS:
            add(bare[: tail.start()].strip())
    return seen


def build_parameter_table(parameters: Iterable[Parameter]) -> dict[str, Parameter]:
    """Folded name → parameter. Codes beat names, names beat symbols, symbols beat aliases."""
    table: dict[str, Parameter] = {}
    parameters = list(parameters)
    layers = [
        lambda p: p.aliases or [],
        lambda p: [p.symbol],
        lambda p: [p.name_en],
        lambda p: [p.name],
        lambda p: [p.code, p.code.replace("_", " ")],
    ]
    for names_of in layers:
        for parameter in parameters:
            for name in names_of(parameter):
                if key := name_key(name):
                    table[key] = parameter
    return table


_parameter_table: dict[str, Parameter] | None = None
_parameter_table_at = 0.0


def parameter_table() -> dict[str, Parameter]:
    global _parameter_table, _parameter_table_at
    stale = time.monotonic() - _parameter_table_at > PARAMETER_TABLE_SECONDS
    if _parameter_table is None or stale:
        _parameter_table = build_parameter_table(Parameter.objects.all())
        _parameter_table_at = time.monotonic()
    return _parameter_table


def refresh_parameters() -> None:
    """Forget the cached table; the next lookup reads the parameters again."""
    global _parameter_table
    _parameter_table = None


@receiver(post_save, sender=Parameter)
@receiver(post_delete, sender=Parameter)
def _parameters_changed(**kwargs) -> None:
    refresh_parameters()


def recognise_parameter(text: str | None, table: dict[str, Parameter] | None = None):
    """The parameter a laboratory's name stands for, ignoring accents and case, or None."""
    if not text or not text.strip():
        return None
    table = parameter_table() if table is None else table
    for key in _name_candidates(text):
        if key in table:
            return table[key]
    return None


# --- Reading reported values ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedValue:
    value: Decimal | None = None
    below_detection: bool = False
    above_range: bool = False
    outcome: str = ""


_ABSENT = {
    "nd",
    "n d",
    "no detectado",
    "no detectada",
    "no detectable",
    "no se detecta",
    "not detected",
    "ausencia",
    "ausente",
    "absence",
    "absent",
    "negativo",
    "negative",
    # "<LD": under the method's detection limit, without saying which.
    "ld",
    "menor que ld",
    "menor a ld",
    "menor al ld",
}
_PRESENT = {
    "detectado",
    "detectada",
    "se detecta",
    "detected",
    "presencia",
    "presente",
    "presence",
    "present",
    "positivo",
    "positive",
}
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?|[-+]?[.,]\d+")


def read_value(text: str | None) -> ReportedValue:
    """ "<0.005" → below detection; "ND", "ausencia", "presencia" → qualitative outcomes.

    Raises ValueError for text that is neither a number nor a known outcome.
    """
    raw = (text or "").strip()
    if not raw:
        return ReportedValue()
    key = name_key(raw)
    words = key.replace("<", " ").split()
    number = _NUMBER.search(raw)
    if key in _ABSENT or (words and " ".join(words) in _ABSENT and not number):
        return ReportedValue(outcome=NOT_DETECTED)
    if key in _PRESENT:
        return ReportedValue(outcome=DETECTED)
    below = raw.startswith(("<", "≤", "menor")) or "<" in raw or key.startswith(("nd ", "n d "))
    above = raw.startswith((">", "≥", "mayor"))
    if number is None:
        raise ValueError(raw)
    digits = number.group(0).replace(",", ".")
    rest = (raw[: number.start()] + raw[number.end() :]).strip(" <>≤≥=()")
    rest_key = name_key(rest)
    if rest_key and rest_key not in {"menor que", "menor a", "mayor que", "mayor a", "ld", "nd"}:
        raise ValueError(raw)
    try:
        value = Decimal(digits)
    except InvalidOperation as error:
        raise ValueError(raw) from error
    return ReportedValue(value=value, below_detection=below, above_range=above and not below)


# --- Judging ----------------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


_SEVERITY = {FAIL: 0, NOT_EVALUABLE: 1, PASS: 2, NO_LIMIT: 3}


def _decisive(judgements: list[Judgement]) -> Judgement:
    """Of several limits that all apply, the strictest outcome decides.

    Among passes the strictest limit is shown (it passes even that); among fails the most
    lenient one (it fails even that).
    """
    worst = min(_SEVERITY[j.outcome] for j in judgements)
    same = [j for j in judgements if _SEVERITY[j.outcome] == worst]

    def ceiling(judgement: Judgement) -> Decimal:
        limit = judgement.limit
        return limit.maximum if limit and limit.maximum is not None else Decimal(0)

    if same[0].outcome == PASS:
        return min(same, key=ceiling)
    if same[0].outcome == FAIL:
        return max(same, key=ceiling)
    return same[0]


def _neighbouring_classes(limits: list[Limit], population: int) -> list[Limit]:
    """The limits of the classes just above and just below a population no class holds.

    NOM-127-SSA1-2021 has "más de 500,000" and "entre 50,000 y 499,999": exactly 500,000 is
    in neither. Both neighbours judge it and the stricter outcome decides.
    """
    above = [lim.population_min for lim in limits if (lim.population_min or 0) > population]
    below = [
        lim.population_max
        for lim in limits
        if lim.population_max is not None and lim.population_max < population
    ]
    nearest_above = min(above, default=None)
    nearest_below = max(below, default=None)
    return [
        limit
        for limit in limits
        if (nearest_above is not None and limit.population_min == nearest_above)
        or (nearest_below is not None and limit.population_max == nearest_below)
    ]


def reading_bases(parameter: Parameter, unit: str, basis: str) -> tuple[list[str], str]:
    """The bases a value can be read in, and why there is more than one (or a mismatch).

    The basis is read where the laboratory wrote it: the unit ("mg/L N-NO3", "mg/L As") or
    the parameter's name or method (``basis``). A unit naming a substance the parameter is
    not reported as is a mismatch. With nothing stated, a parameter reported in several
    nitrogen forms (nitrate as N or as NO3) is read in each; others need no basis.
    """
    accepted = list(parameter.reported_bases or [])
    in_unit = units.unit_basis(unit)
    if in_unit and in_unit not in accepted:
        return [], UNIT_SUBSTANCE_MISMATCH
    if basis and accepted and basis not in accepted:
        return [], UNIT_SUBSTANCE_MISMATCH
    if in_unit and basis and in_unit != basis:
        return [in_unit, basis], BASIS_CONFLICT
    if stated := in_unit or basis:
        return [stated], ""
    forms = [form for form in accepted if form in units.MOLAR_MASS]
    if len(forms) > 1:
        return forms, BASIS_UNSTATED
    return [""], ""


class Judge:
    """Norms, versions and limits loaded once, so that judging many results stays fast."""

    def __init__(self) -> None:
        self.norms = {norm.code: norm for norm in Norm.objects.order_by("code")}
        self.versions: dict[int, list[NormVersion]] = defaultdict(list)
        for version in NormVersion.objects.order_by("in_force_from", "pk"):
            version.norm = self._norm_by_id(version.norm_id)
            self.versions[version.norm_id].append(version)
        self.limits: dict[tuple[int, int], list[Limit]] = defaultdict(list)
        versions_by_id = {v.pk: v for vs in self.versions.values() for v in vs}
        for limit in Limit.objects.order_by("applies_from", "pk"):
            limit.version = versions_by_id[limit.version_id]
            self.limits[(limit.version_id, limit.parameter_id)].append(limit)
        parameters = list(Parameter.objects.all())
        self.parameters = build_parameter_table(parameters)
        self.parameters_by_id = {parameter.pk: parameter for parameter in parameters}

    def _norm_by_id(self, norm_id: int) -> Norm:
        return next(norm for norm in self.norms.values() if norm.pk == norm_id)

    def recognise(self, text: str | None) -> Parameter | None:
        return recognise_parameter(text, self.parameters)

    def version_on(self, norm: Norm, day: datetime.date) -> NormVersion | None:
        """The version in force on ``day``; the latest to start wins if two overlap."""
        found = None
        for version in self.versions.get(norm.pk, []):
            if version.in_force_from <= day and (
                version.in_force_until is None or day <= version.in_force_until
            ):
                found = version
        return found

    def evaluate(
        self,
        parameter: Parameter | None,
        value,
        unit: str,
        sampled_on: datetime.date | None,
        population: int | None,
        norm_code: str,
        *,
        below_detection: bool = False,
        outcome: str = "",
        above_range: bool = False,
        basis: str = "",
    ) -> Judgement:
        norm = self.norms.get(norm_code)
        if norm is None or sampled_on is None:
            reason = NORM_NOT_ON_FILE if sampled_on is not None else BAD_DATE
            return Judgement(NOT_EVALUABLE, reason, norm=norm)
        version = self.version_on(norm, sampled_on)
        if version is None:
            return Judgement(NOT_EVALUABLE, NORM_NOT_ON_FILE, norm=norm)
        context = {"norm": norm, "version": version}
        if parameter is None:
            return Judgement(NOT_EVALUABLE, UNKNOWN_PARAMETER, **context)
        limits = [
            limit
            for limit in self.limits.get((version.pk, parameter.pk), [])
            if limit.applies_on(sampled_on)
        ]
        between_classes = False
        if population is not None:
            in_class = [limit for limit in limits if limit.holds_population(population)]
            if limits and not in_class:
                in_class = _neighbouring_classes(limits, population)
                between_classes = bool(in_class)
            limits = in_class
        if not limits:
            return Judgement(NO_LIMIT, **context)
        readings, reading_reason = reading_bases(parameter, unit, basis)
        reading = {
            "value": _decimal(value),
            "unit": unit or "",
            "below_detection": below_detection,
            "outcome": outcome or "",
            "above_range": above_range,
        }
        judgements = [
            self._against_readings(limit, context, readings, reading_reason, **reading)
            for limit in limits
        ]
        if between_classes:
            decided = _decisive(judgements)
            return (
                decided if decided.reason else replace(decided, reason=POPULATION_BETWEEN_CLASSES)
            )
        classed = any(
            limit.population_min is not None or limit.population_max is not None for limit in limits
        )
        if population is None and classed and len({j.outcome for j in judgements}) > 1:
            # The outcome depends on the locality's size, which is not known.
            texts = list(dict.fromkeys(limit.describe() for limit in limits))
            return Judgement(
                NOT_EVALUABLE, UNKNOWN_POPULATION, limit_text=" / ".join(texts), **context
            )
        return _decisive(judgements)

    def _against_readings(
        self, limit: Limit, context: dict, readings: list[str], reading_reason: str, **reading
    ) -> Judgement:
        """Judge once per possible basis; several readings must agree to decide."""
        if reading_reason == UNIT_SUBSTANCE_MISMATCH:
            return Judgement(
                NOT_EVALUABLE,
                UNIT_SUBSTANCE_MISMATCH,
                limit=limit,
                limit_text=limit.describe(),
                **context,
            )
        judged = [self._against(limit, context, basis=basis, **reading) for basis in readings]
        if len(judged) == 1:
            return judged[0]
        for judgement in judged:
            if judgement.outcome == NOT_EVALUABLE:
                return judgement
        if len({judgement.outcome for judgement in judged}) == 1:
            return replace(judged[0], reason=BASIS_EITHER_READING, value=None)
        return replace(judged[0], outcome=NOT_EVALUABLE, reason=reading_reason, value=None)

    def _against(
        self,
        limit: Limit,
        context: dict,
        *,
        value: Decimal | None,
        unit: str,
        below_detection: bool,
        outcome: str,
        above_range: bool,
        basis: str,
    ) -> Judgement:
        def verdict(result: str, reason: str = "", converted: Decimal | None = None):
            return Judgement(
                result, reason, limit=limit, limit_text=limit.describe(), value=converted, **context
            )

        if limit.rule == Limit.Rule.NOT_DETECTABLE:
            if outcome == DETECTED:
                return verdict(FAIL)
            if outcome == NOT_DETECTED and value is None:
                return verdict(PASS)
        elif outcome == NOT_DETECTED:
            if value is None:
                return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT)
            below_detection = True
        if value is None:
            return verdict(NOT_EVALUABLE, NO_VALUE)
        try:
            converted = units.convert(value, unit, limit.unit, value_basis=basis)
        except units.UnitError as error:
            return verdict(NOT_EVALUABLE, error.code)

        if limit.rule == Limit.Rule.NOT_DETECTABLE:
            if above_range or (not below_detection and converted > 0):
                return verdict(FAIL, converted=converted)
            if not below_detection or converted <= NOT_DETECTABLE_COUNT:
                return verdict(PASS, converted=converted)
            return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT, converted)

        maximum, minimum = limit.maximum, limit.minimum
        if limit.rule == Limit.Rule.RANGE and below_detection:
            # Below a detection limit that is itself under the minimum: certainly too low.
            if converted <= minimum:
                return verdict(FAIL, BELOW_MINIMUM, converted)
            return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT, converted)
        if below_detection:
            if converted <= maximum:
                return verdict(PASS, converted=converted)
            return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT, converted)
        if above_range:
            if converted >= maximum:
                reason = ABOVE_MAXIMUM if limit.rule == Limit.Rule.RANGE else ""
                return verdict(FAIL, reason, converted)
            return verdict(NOT_EVALUABLE, ABOVE_RANGE_NO_USABLE_LIMIT, converted)
        if minimum is not None and converted < minimum:
            return verdict(FAIL, BELOW_MINIMUM, converted)
        if converted > maximum:
            reason = ABOVE_MAXIMUM if limit.rule == Limit.Rule.RANGE else ""
            return verdict(FAIL, reason, converted)
        return verdict(PASS, converted=converted)

    def ratio_bounds(self, version: NormVersion, reading: "Reading", day: datetime.date):
        return _ratio_bounds(self, version, reading, day)

    # --- Results in the database --------------------------------------------------------------

    def judgements_for(self, result: Result) -> list[Judgement]:
        """Recognise the result's parameter (kept on the result) and judge it by every norm."""
        if result.parameter_id is None:
            result.parameter = self.recognise(result.parameter_text)
        else:
            # From the cache, so that a batch does not query each result's parameter.
            result.parameter = self.parameters_by_id.get(result.parameter_id, result.parameter)
        sample = result.sample
        unit, basis = stated_unit_and_basis(result.parameter_text, result.unit, result.method)
        return [
            self.evaluate(
                result.parameter,
                result.value,
                unit,
                sample.observed_on,
                sample.locality.population,
                code,
                below_detection=result.below_detection,
                outcome=result.outcome,
                basis=basis,
            )
            for code in self.norms
        ]

    def judge_result(self, result: Result) -> list[Verdict]:
        recognised_before = result.parameter_id
        judgements = self.judgements_for(result)
        with transaction.atomic():
            if result.parameter_id != recognised_before:
                result.save(update_fields=["parameter"])
            verdicts = []
            for judgement in judgements:
                verdict, _created = Verdict.objects.update_or_create(
                    result=result,
                    norm=judgement.norm,
                    defaults=self._verdict_fields(result, judgement),
                )
                verdicts.append(verdict)
        return verdicts

    def judge_results(self, results: Iterable[Result], *, batch_size: int = 2000) -> int:
        """Judge many results with a handful of queries per batch; returns how many."""
        if hasattr(results, "select_related"):
            results = results.select_related("sample__locality").iterator(chunk_size=batch_size)
        batch: list[Result] = []
        count = 0
        for result in results:
            batch.append(result)
            if len(batch) >= batch_size:
                count += self._judge_batch(batch)
                batch = []
        if batch:
            count += self._judge_batch(batch)
        return count

    def _judge_batch(self, batch: list[Result]) -> int:
        recognised = []
        judged = []
        for result in batch:
            before = result.parameter_id
            judged.append((result, self.judgements_for(result)))
            if result.parameter_id != before:
                recognised.append(result)
        existing = {
            (verdict.result_id, verdict.norm_id): verdict
            for verdict in Verdict.objects.filter(result__in=[result.pk for result in batch])
        }
        to_create, to_update = [], []
        for result, judgements in judged:
            for judgement in judgements:
                fields = self._verdict_fields(result, judgement)
                verdict = existing.get((result.pk, judgement.norm.pk))
                if verdict is None:
                    to_create.append(Verdict(result=result, norm=judgement.norm, **fields))
                    continue
                if _differs(verdict, fields):
                    for name, value in fields.items():
                        setattr(verdict, name, value)
                    to_update.append(verdict)
        with transaction.atomic():
            if recognised:
                Result.objects.bulk_update(recognised, ["parameter"])
            Verdict.objects.bulk_create(to_create)
            if to_update:
                Verdict.objects.bulk_update(to_update, list(VERDICT_FIELDS))
        return len(batch)

    @staticmethod
    def _verdict_fields(result: Result, judgement: Judgement) -> dict:
        return {
            "version": judgement.version,
            "limit": judgement.limit,
            "outcome": judgement.outcome,
            "limit_text": judgement.limit_text[:120],
            "reason": judgement.reason,
            "parameter_code": result.parameter.code if result.parameter else "",
            "sampled_on": result.sample.observed_on,
        }


def stated_unit_and_basis(parameter_text: str, unit: str, method: str) -> tuple[str, str]:
    """The unit (from its column, or written in the name) and the basis the name or method
    states ("Nitratos (NO3-)", "… como N")."""
    name_unit = units.unit_in_name(parameter_text or "")[1]
    basis = units.basis_in_text(parameter_text or "") or units.basis_in_method(method or "")
    return (unit or "").strip() or name_unit, basis


def _differs(verdict: Verdict, fields: dict) -> bool:
    """Compare by ids for the foreign keys, so that checking costs no query per verdict."""
    for name, value in fields.items():
        if name in {"version", "limit"}:
            if getattr(verdict, f"{name}_id") != (value.pk if value is not None else None):
                return True
        elif getattr(verdict, name) != value:
            return True
    return False


VERDICT_FIELDS = (
    "version",
    "limit",
    "outcome",
    "limit_text",
    "reason",
    "parameter_code",
    "sampled_on",
)


def evaluate(
    parameter: Parameter | None,
    value,
    unit: str,
    sampled_on: datetime.date | None,
    population: int | None,
    norm_code: str,
    *,
    below_detection: bool = False,
    outcome: str = "",
    basis: str = "",
    judge: Judge | None = None,
) -> Judgement:
    """Judge one value against one norm. Pass a ``Judge`` when judging many."""
    return (judge or Judge()).evaluate(
        parameter,
        value,
        unit,
        sampled_on,
        population,
        norm_code,
        below_detection=below_detection,
        outcome=outcome,
        basis=basis,
    )


def judge_result(result: Result, *, judge: Judge | None = None) -> list[Verdict]:
    """Store one verdict per norm for ``result`` (and the parameter recognised from its text)."""
    return (judge or Judge()).judge_result(result)


def judge_sample(sample: Sample, *, judge: Judge | None = None) -> int:
    return (judge or Judge()).judge_results(sample.results.all())


# --- Composite rules: sums of ratios ----------------------------------------------------------


@dataclass(frozen=True)
class CompositeRule:
    """Members judged together: the sum of each concentration over its guideline must be ≤ 1.

    The guideline values are the members' own limits in the norm (data); only which members
    add up is written here, as WHO states it.
    """

    code: str
    name: str
    norm_code: str
    members: tuple[str, ...]


COMPOSITE_RULES = (
    CompositeRule(
        "nitrate_nitrite",
        _("Nitrato + nitrito: suma de cocientes (OMS)"),
        "who",
        ("nitrate", "nitrite"),
    ),
    CompositeRule(
        "trihalomethanes",
        _("Trihalometanos: suma de cocientes (OMS)"),
        "who",
        ("chloroform", "bromodichloromethane", "bromoform", "dibromochloromethane"),
    ),
)
COMPOSITE_MEMBERS = {code for rule in COMPOSITE_RULES for code in rule.members}


@dataclass(frozen=True)
class Reading:
    """One reported value, as a composite rule reads it."""

    parameter: Parameter
    value: Decimal | None
    unit: str
    below_detection: bool = False
    outcome: str = ""
    above_range: bool = False
    basis: str = ""


@dataclass(frozen=True)
class CompositeJudgement:
    """A sample judged by a composite rule: the sum of ratios, as a range when it is bounded.

    ``low`` counts members under their detection limit as zero; ``high`` counts them at the
    detection limit. The sum passes when even ``high`` is ≤ 1, fails when even ``low`` is > 1.
    """

    rule: CompositeRule
    outcome: str
    reason: str = ""
    version: NormVersion | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    members: list[tuple[str, Decimal | None, Decimal | None]] = field(default_factory=list)

    @property
    def sum_text(self) -> str:
        if self.low is None and self.high is None:
            return ""
        if self.high is None:
            return f"≥ {self.low:.2f}"
        if self.low is None or round(self.low, 2) == round(self.high, 2):
            return f"{self.high:.2f}"
        return f"{self.low:.2f} – {self.high:.2f}"

    @property
    def reason_text(self) -> str:
        return str(REASON_TEXT.get(self.reason, self.reason)) if self.reason else ""


def _composites(
    judge: "Judge", readings: list[Reading], sampled_on: datetime.date | None
) -> list[CompositeJudgement]:
    by_code = {reading.parameter.code: reading for reading in readings if reading.parameter}
    found = []
    for rule in COMPOSITE_RULES:
        present = [by_code[code] for code in rule.members if code in by_code]
        if len(present) < 2:
            continue
        norm = judge.norms.get(rule.norm_code)
        version = judge.version_on(norm, sampled_on) if norm and sampled_on else None
        if version is None:
            found.append(CompositeJudgement(rule, NOT_EVALUABLE, NORM_NOT_ON_FILE))
            continue
        members, reasons = [], []
        for reading in present:
            low, high, reason = judge.ratio_bounds(version, reading, sampled_on)
            members.append((reading.parameter.name, low, high))
            if reason:
                reasons.append(reason)
        lows = [low for _name, low, _high in members]
        highs = [high for _name, _low, high in members]
        low = None if None in lows else sum(lows, Decimal(0))
        high = None if None in highs else sum(highs, Decimal(0))
        bounded = any(reading.below_detection or reading.outcome for reading in present)
        if high is not None and high <= 1:
            outcome = PASS
        elif low is not None and low > 1:
            outcome = FAIL
        else:
            outcome = NOT_EVALUABLE
        if outcome == NOT_EVALUABLE:
            reason = reasons[0] if reasons else BELOW_DETECTION_NO_USABLE_LIMIT
        elif bounded:
            reason = DETECTION_LIMIT_COUNTED
        else:
            reason = BASIS_EITHER_READING if BASIS_UNSTATED in reasons else ""
        found.append(CompositeJudgement(rule, outcome, reason, version, low, high, members))
    return found


def _ratio_bounds(
    judge: "Judge", version: NormVersion, reading: Reading, day: datetime.date
) -> tuple[Decimal | None, Decimal | None, str]:
    """The member's concentration over its guideline value, as (lowest, highest, reason)."""
    parameter = reading.parameter
    limits = [
        limit
        for limit in judge.limits.get((version.pk, parameter.pk), [])
        if limit.applies_on(day) and limit.maximum
    ]
    if not limits:
        return None, None, MEMBER_WITHOUT_LIMIT
    limit = min(limits, key=lambda limit: limit.maximum)
    bases, reason = reading_bases(parameter, reading.unit, reading.basis)
    if reason == UNIT_SUBSTANCE_MISMATCH:
        return None, None, reason
    if reading.value is None:
        if reading.outcome == NOT_DETECTED:
            return Decimal(0), None, BELOW_DETECTION_NO_USABLE_LIMIT
        return None, None, NO_VALUE
    ratios = []
    for basis in bases:
        try:
            converted = units.convert(reading.value, reading.unit, limit.unit, value_basis=basis)
        except units.UnitError as error:
            return None, None, error.code
        ratios.append(converted / limit.maximum)
    low, high = min(ratios), max(ratios)
    if reading.below_detection or reading.outcome == NOT_DETECTED:
        low = Decimal(0)
    if reading.above_range:
        high = None
    return low, high, reason


def composite_judgements(
    readings: list[Reading], sampled_on: datetime.date | None, *, judge: Judge | None = None
) -> list[CompositeJudgement]:
    """Judge one sample's readings by every composite rule it has at least two members of.

    Both ``quality evaluate`` and the sample page call this, so they say the same.
    """
    codes = {reading.parameter.code for reading in readings if reading.parameter}
    if not any(len(codes & set(rule.members)) >= 2 for rule in COMPOSITE_RULES):
        return []
    return _composites(judge or Judge(), readings, sampled_on)


def sample_composites(sample: Sample, *, judge: Judge | None = None) -> list[CompositeJudgement]:
    """The composite judgements of a stored sample's results."""
    readings = []
    for result in sample.results.select_related("parameter"):
        if result.parameter is None or result.parameter.code not in COMPOSITE_MEMBERS:
            continue
        unit, basis = stated_unit_and_basis(result.parameter_text, result.unit, result.method)
        readings.append(
            Reading(
                result.parameter,
                result.value,
                unit,
                below_detection=result.below_detection,
                outcome=result.outcome,
                basis=basis,
            )
        )
    return composite_judgements(readings, sample.observed_on, judge=judge)


@dataclass(frozen=True)
class RangeEnd:
    """One end of a range whose two ends mean different things, judged on its own."""

    bound: str  # "≥ 0.2 mg/L"
    meaning: str
    outcome: str


def range_ends(verdict: Verdict) -> list[RangeEnd]:
    """WHO's free chlorine (0.2–5 mg/L) as two checks: its operational minimum and its
    health-based maximum. Empty for any limit whose ends carry no meaning of their own.

    A stored range verdict says which end failed (``below_minimum`` / ``above_maximum``); the
    other end then passed. A verdict that could not be evaluated leaves both ends unknown."""
    limit = verdict.limit
    if limit is None or limit.rule != Limit.Rule.RANGE:
        return []
    if not (limit.minimum_meaning or limit.maximum_meaning):
        return []

    def outcome(failed_here: str, failed_there: str) -> str:
        if verdict.outcome == PASS:
            return PASS
        if verdict.outcome != FAIL:
            return NOT_EVALUABLE
        if verdict.reason == failed_here:
            return FAIL
        return PASS if verdict.reason == failed_there else NOT_EVALUABLE

    unit = f" {limit.unit}" if limit.unit else ""
    return [
        RangeEnd(
            f"≥ {limit.minimum.normalize():f}{unit}",
            limit.minimum_meaning,
            outcome(BELOW_MINIMUM, ABOVE_MAXIMUM),
        ),
        RangeEnd(
            f"≤ {limit.maximum.normalize():f}{unit}",
            limit.maximum_meaning,
            outcome(ABOVE_MAXIMUM, BELOW_MINIMUM),
        ),
    ]
