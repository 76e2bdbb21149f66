"""Judge results against the norm version and limit in force on the sampling date."""

import datetime
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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
    NORM_NOT_ON_FILE: _("la versión de la norma vigente en esa fecha no está en el sistema"),
    NO_VALUE: _("no hay valor medido"),
    UNKNOWN_POPULATION: _(
        "el límite depende de la población de la localidad y no se sabe cuántos habitantes tiene"
    ),
    BAD_DATE: _("la fecha no se puede leer"),
    BAD_VALUE: _("el valor no se puede leer"),
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


def _name_candidates(text: str) -> list[str]:
    full = name_key(text)
    bare = name_key(re.sub(r"\(.*?\)", " ", units.normalise(text or "")))
    no_basis = re.sub(r"\b(como|as|expresado como|expressed as)\b.*$", "", bare).strip()
    no_total = " ".join(word for word in no_basis.split() if word not in {"total", "totales"})
    seen = []
    for key in (full, bare, no_basis, no_total):
        if key and key not in seen:
            seen.append(key)
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


def _in_class(limit: Limit, population: int) -> bool:
    if limit.population_min is not None and population < limit.population_min:
        return False
    return limit.population_max is None or population <= limit.population_max


def _applies_on(limit: Limit, day: datetime.date) -> bool:
    if limit.applies_from and day < limit.applies_from:
        return False
    return not (limit.applies_until and day > limit.applies_until)


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
            if _applies_on(limit, sampled_on)
        ]
        if population is not None:
            limits = [limit for limit in limits if _in_class(limit, population)]
        if not limits:
            return Judgement(NO_LIMIT, **context)
        reading = {
            "value": _decimal(value),
            "unit": unit or "",
            "below_detection": below_detection,
            "outcome": outcome or "",
            "above_range": above_range,
            "basis": basis or parameter.expressed_as,
        }
        judgements = [self._against(limit, context, **reading) for limit in limits]
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
            converted = units.convert(value, unit, limit.unit, default_basis=basis)
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
                return verdict(FAIL, converted=converted)
            return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT, converted)
        if below_detection:
            if converted <= maximum:
                return verdict(PASS, converted=converted)
            return verdict(NOT_EVALUABLE, BELOW_DETECTION_NO_USABLE_LIMIT, converted)
        if above_range:
            if converted >= maximum:
                return verdict(FAIL, converted=converted)
            return verdict(NOT_EVALUABLE, ABOVE_RANGE_NO_USABLE_LIMIT, converted)
        if converted > maximum or (minimum is not None and converted < minimum):
            return verdict(FAIL, converted=converted)
        return verdict(PASS, converted=converted)

    # --- Results in the database --------------------------------------------------------------

    def judgements_for(self, result: Result) -> list[Judgement]:
        """Recognise the result's parameter (kept on the result) and judge it by every norm."""
        if result.parameter_id is None:
            result.parameter = self.recognise(result.parameter_text)
        else:
            # From the cache, so that a batch does not query each result's parameter.
            result.parameter = self.parameters_by_id.get(result.parameter_id, result.parameter)
        sample = result.sample
        basis = units.basis_in_text(result.parameter_text) if result.parameter_text else ""
        return [
            self.evaluate(
                result.parameter,
                result.value,
                result.unit,
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
    )


def judge_result(result: Result, *, judge: Judge | None = None) -> list[Verdict]:
    """Store one verdict per norm for ``result`` (and the parameter recognised from its text)."""
    return (judge or Judge()).judge_result(result)


def judge_sample(sample: Sample, *, judge: Judge | None = None) -> int:
    return (judge or Judge()).judge_results(sample.results.all())
