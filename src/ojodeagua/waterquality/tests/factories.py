"""Water-quality records for domain tests: a sample, its results and the verdicts on them.

``make_sample`` and ``add_result`` make the rows as a laboratory (or a field kit) reports them;
``judged_sample`` adds NOM-127 verdicts by hand, for tests of what reads verdicts (indicators,
red flags) that must not depend on the judge.
"""

import datetime
from decimal import Decimal

from ojodeagua.monitoring.observation import Observation
from ojodeagua.places.models import Locality
from ojodeagua.waterquality.models import (
    Norm,
    NormVersion,
    Parameter,
    Result,
    Sample,
    Verdict,
)
from ojodeagua.watersystems.models import WaterSystem

State = Observation.State


def make_sample(
    system: WaterSystem | None,
    observed_on: datetime.date,
    *,
    locality: Locality | None = None,
    **fields,
) -> Sample:
    """A laboratory sample taken at the tap of ``system`` (or only in ``locality``), in the
    system's locality unless told; ``state``, ``source``, ``analysis``… by keyword."""
    fields.setdefault("source", Sample.Source.LABORATORY)
    fields.setdefault("sampling_point", Sample.Point.TAP)
    fields.setdefault("analysis", Sample.Analysis.LABORATORY)
    return Sample.objects.create(
        locality=locality or system.locality, system=system, observed_on=observed_on, **fields
    )


def add_result(
    sample: Sample,
    parameter_text: str,
    value,
    *,
    unit: str = "",
    parameter: str | None = None,
) -> Result:
    """One result of the sample, linked to the catalogue's ``parameter`` code if given."""
    return Result.objects.create(
        sample=sample,
        parameter_text=parameter_text,
        value=Decimal(value),
        unit=unit,
        parameter=Parameter.objects.get(code=parameter) if parameter else None,
    )


def add_chlorine_reading(
    system: WaterSystem, observed_on: datetime.date, state: str = State.VALIDATED
) -> Sample:
    """A field-kit reading of 0.5 mg/L of free chlorine at a tap, taken on a visit."""
    sample = make_sample(
        system, observed_on, state=state, source="visit", analysis=Sample.Analysis.FIELD_KIT
    )
    add_result(sample, "cloro libre", "0.5", unit="mg/L", parameter="free_chlorine")
    return sample


def nom127_version() -> tuple[Norm, NormVersion]:
    """NOM-127 and its first version, made here if the database has none."""
    nom, _ = Norm.objects.get_or_create(code="nom127", defaults={"name": "NOM-127"})
    version = NormVersion.objects.filter(norm=nom).first() or NormVersion.objects.create(
        norm=nom, name="NOM-127-SSA1-2021", in_force_from=datetime.date(2023, 4, 27)
    )
    return nom, version


def judged_sample(
    locality: Locality,
    system: WaterSystem | None,
    observed_on: datetime.date,
    outcomes: list[tuple[str, str]],
    state: str = State.VALIDATED,
) -> Sample:
    """A laboratory sample with one result per parameter code (value 1) and the NOM-127
    verdict given for it in ``outcomes`` (``[("e_coli", "pass"), ...]``)."""
    nom, version = nom127_version()
    sample = make_sample(system, observed_on, locality=locality, state=state)
    for code, outcome in outcomes:
        result = Result.objects.create(sample=sample, parameter_text=code, value=Decimal(1))
        Verdict.objects.create(
            result=result,
            norm=nom,
            version=version,
            outcome=outcome,
            parameter_code=code,
            sampled_on=observed_on,
        )
    return sample
