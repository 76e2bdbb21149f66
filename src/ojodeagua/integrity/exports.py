"""CSV and XLSX downloads of individual ratings and road maps; ids, roles and sex, never names.

The tables (``ratings_table``, ``roadmap_table``) are what the agency page sends and, for a
whole state's committees, what a job on the task queue writes (``lib.exports``).
"""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from ojodeagua.lib.exports import Table
from ojodeagua.lib.xlsx import DOWNLOAD_FORMATS

from .agency import OPEN_STATUSES
from .models import Participant, Rating, RoadmapItem

FORMATS = DOWNLOAD_FORMATS


def ratings_header() -> list[str]:
    return [
        _("comité"),
        _("id del comité"),
        _("ciclo"),
        _("código del riesgo"),
        _("riesgo"),
        _("id del participante"),
        _("papel"),
        _("sexo"),
        _("edad"),
        _("probabilidad"),
        _("impacto"),
        _("puntaje"),
        _("probabilidad acordada"),
        _("impacto acordado"),
        _("prioridad"),
    ]


def ratings_rows(cycles) -> Iterator[list[object]]:
    """One row per participant's rating of one risk, beside the group's consensus.

    The participant is told by id, role, sex and age group: names stay in the workshop.
    """
    ratings = (
        Rating.objects.filter(assessed_risk__cycle__in=cycles)
        .select_related("assessed_risk__cycle__provider", "assessed_risk__risk", "participant")
        .only(
            "likelihood",
            "impact",
            "assessed_risk__own_title",
            "assessed_risk__consensus_likelihood",
            "assessed_risk__consensus_impact",
            "assessed_risk__priority",
            "assessed_risk__risk__code",
            "assessed_risk__risk__title",
            "assessed_risk__cycle__number",
            "assessed_risk__cycle__provider__name",
            # Only what the export shows: the participant's name is never even read.
            "participant__role",
            "participant__sex",
            "participant__age_group",
        )
        .order_by(
            "assessed_risk__cycle__provider__name",
            "assessed_risk__cycle__provider_id",
            "assessed_risk__cycle__number",
            "assessed_risk__risk__code",
            "assessed_risk_id",
            "participant_id",
        )
    )
    roles = dict(Participant.Role.choices)
    sexes = dict(Participant._meta.get_field("sex").choices)
    ages = dict(Participant.AgeGroup.choices)
    for rating in ratings.iterator(chunk_size=2000):
        assessed = rating.assessed_risk
        cycle = assessed.cycle
        yield [
            cycle.provider.name,
            cycle.provider_id,
            cycle.number,
            assessed.risk.code if assessed.risk_id else "",
            assessed.risk.title if assessed.risk_id else assessed.own_title,
            rating.participant_id,
            str(roles.get(rating.participant.role, rating.participant.role)),
            str(sexes.get(rating.participant.sex, rating.participant.sex)),
            str(ages.get(rating.participant.age_group, rating.participant.age_group)),
            rating.likelihood,
            rating.impact,
            rating.likelihood * rating.impact,
            assessed.consensus_likelihood,
            assessed.consensus_impact,
            assessed.priority,
        ]


def roadmap_header() -> list[str]:
    return [
        _("comité"),
        _("id del comité"),
        _("ciclo"),
        _("prioridad"),
        _("código del riesgo"),
        _("riesgo"),
        _("herramienta"),
        _("acción"),
        _("quién la hace"),
        _("para cuándo"),
        _("cómo sabremos que está hecha"),
        _("estado"),
        _("hecha el"),
        _("por qué se dejó"),
        _("atrasada"),
    ]


def roadmap_rows(cycles, on: datetime.date) -> Iterator[list[object]]:
    """One row per road-map action; "atrasada" when its deadline passed before ``on`` and it is
    still pending or in progress."""
    items = (
        RoadmapItem.objects.filter(assessed_risk__cycle__in=cycles)
        .select_related("assessed_risk__cycle__provider", "assessed_risk__risk", "tool")
        .order_by(
            "assessed_risk__cycle__provider__name",
            "assessed_risk__cycle__provider_id",
            "assessed_risk__cycle__number",
            "assessed_risk__priority",
            "deadline",
            "pk",
        )
    )
    statuses = dict(RoadmapItem.Status.choices)
    for item in items.iterator(chunk_size=2000):
        assessed = item.assessed_risk
        cycle = assessed.cycle
        overdue = item.deadline < on and item.status in OPEN_STATUSES
        yield [
            cycle.provider.name,
            cycle.provider_id,
            cycle.number,
            assessed.priority,
            assessed.risk.code if assessed.risk_id else "",
            assessed.risk.title if assessed.risk_id else assessed.own_title,
            item.tool.name if item.tool_id else "",
            item.action,
            item.responsible,
            item.deadline,
            item.done_when,
            str(statuses.get(item.status, item.status)),
            item.done_on,
            item.dropped_reason,
            _("sí") if overdue else _("no"),
        ]


def ratings_table(cycles, on: datetime.date) -> Table:
    return Table(
        name=f"valoraciones-{on:%Y-%m-%d}",
        sheet=_("valoraciones"),
        header=ratings_header(),
        rows=ratings_rows(cycles),
        count=Rating.objects.filter(assessed_risk__cycle__in=cycles).count(),
    )


def roadmap_table(cycles, on: datetime.date) -> Table:
    return Table(
        name=f"hojas-de-ruta-{on:%Y-%m-%d}",
        sheet=_("hojas de ruta"),
        header=roadmap_header(),
        rows=roadmap_rows(cycles, on),
        count=RoadmapItem.objects.filter(assessed_risk__cycle__in=cycles).count(),
    )
