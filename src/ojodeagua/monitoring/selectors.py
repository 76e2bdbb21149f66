"""Figures the monitoring pages show, read in one place.

``answers_by_sex``: the household surveys' answers side by side for the women, the men and the
people who preferred not to say who answered (the survey list). The committee's other by-sex
figures are read by ``integrity.voices``; this one lives here because the survey pages sit below
integrity in the layers and may not import it.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ojodeagua.pages.by_sex import BySexTable, Cell, Row
from ojodeagua.providers.models import Sex

from .models import YesNoUnknown
from .observation import Observation

SEXES = (Sex.FEMALE, Sex.MALE, Sex.UNSTATED)

# The answers counted: a "yes" to each of these questions, in the survey's order.
COUNTED_ANSWERS = (
    ("water_has_problem", gettext_lazy("Dijo que el agua tiene algún problema")),
    ("satisfied", gettext_lazy("Dijo que el servicio le satisface")),
    ("sufficient_last_month", gettext_lazy("Dijo que tuvo agua suficiente el último mes")),
)


def answers_by_sex(surveys) -> BySexTable:
    """How many validated surveys a woman, a man or someone who preferred not to say
    answered, and of those how many said "sí" to each perception question; one query.

    ``surveys`` is the list as the page filtered it; only validated surveys count, as in every
    summary (a pending one may still be corrected). A "no sabe" stays in the total it is
    counted out of.
    """
    counts = {
        "n": Count("pk"),
        **{
            name: Count("pk", filter=Q(**{name: YesNoUnknown.YES}))
            for name, _label in COUNTED_ANSWERS
        },
    }
    by_sex = {
        found.pop("respondent_sex"): found
        for found in surveys.filter(state=Observation.State.VALIDATED)
        .order_by()
        .values("respondent_sex")
        .annotate(**counts)
    }
    empty = dict.fromkeys(counts, 0)
    figures = {sex: by_sex.get(sex, empty) for sex in SEXES}

    def row(label: str, name: str) -> Row:
        # Where nobody of a side answered there is nothing to count: "—", not a zero.
        return Row(
            label,
            *(
                Cell(figures[sex][name], figures[sex]["n"]) if figures[sex]["n"] else Cell(None)
                for sex in SEXES
            ),
        )

    return BySexTable(
        caption=_("Respuestas según quién contestó la encuesta"),
        key="household-surveys",
        rows=[
            Row(_("Encuestas validadas"), *(Cell(figures[sex]["n"]) for sex in SEXES)),
            *(row(str(label), name) for name, label in COUNTED_ANSWERS),
        ],
        with_sex=sum(figures[sex]["n"] for sex in SEXES),
        without_sex=sum(found["n"] for sex, found in by_sex.items() if sex not in SEXES),
        note=_(
            "Solo cuentan las encuestas validadas de la lista, con sus filtros. Quien contestó "
            "«no sabe» cuenta en el total de su lado."
        ),
    )
