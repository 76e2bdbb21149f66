"""What if: for a chosen set of actions, the people estimated to move to reliable or to safe
water, with the method and its assumptions written beside the number.

The method, from each system's own evidence (``causes.diagnose``):
- A repair removes the infrastructure evidence; a chlorinator (or getting the broken one
  working) removes the operation evidence; a coached integrity cycle removes the money and
  governance evidence, but only in ``CYCLE_SUCCESS`` of the committees (an assumption: the
  toolbox's own review found most utilities did most of their plan in a year, and those were
  urban utilities, not committees).
- What the actions leave decides the estimate: nothing left, its people reach reliable, safe
  water (T4); only operation evidence left (the water still fails E. coli or is untested), they
  reach reliable water (T3); a source problem, a cause the data does not name, or money and
  governance as the main cause left in place, nothing moves.
- A system with no visit in 12 months is never counted: nobody knows what it needs.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .causes import Cause, Diagnosis, diagnoses
from .facts import DeskFacts

CYCLE_SUCCESS = 0.5
PROXIMATE = {Cause.INFRASTRUCTURE, Cause.SOURCE, Cause.OPERATION, Cause.UNEXPLAINED}
MANAGEMENT = {Cause.MONEY, Cause.GOVERNANCE}


class Action:
    REPAIR = "repair"
    CHLORINATOR = "chlorinator"
    CYCLE = "cycle"


ACTION_LABELS = {
    Action.REPAIR: _("reparar la infraestructura"),
    Action.CHLORINATOR: _("clorador o cloración que funcione"),
    Action.CYCLE: _("ciclo de integridad acompañado para el comité"),
}
# Which systems each action is offered for: those whose evidence it would remove.
REMOVES = {
    Action.REPAIR: {Cause.INFRASTRUCTURE},
    Action.CHLORINATOR: {Cause.OPERATION},
    Action.CYCLE: MANAGEMENT,
}
ASSUMPTIONS = (
    _("Una reparación quita lo que los datos muestran de infraestructura rota."),
    _("Un clorador que funcione quita lo que muestran de operación (E. coli, cloro)."),
    _(
        "Un ciclo de integridad acompañado resuelve el dinero y la gobernanza en la mitad de "
        "los comités: es un supuesto, no una medición; se cuenta la mitad de su gente."
    ),
    _("Un problema de la fuente necesita estudiar la fuente: ninguna de estas acciones lo quita."),
    _("Un sistema sin visita en 12 meses no se cuenta: nadie sabe qué necesita."),
    _("Las personas son las del registro de localidades servidas, como en la mesa."),
)


@dataclass
class Option:
    system_id: int
    name: str
    people: float
    evidence: list[str]


@dataclass
class Outcome:
    to_safe: float = 0.0
    to_reliable: float = 0.0
    systems: list[tuple[str, str, float]] = field(default_factory=list)  # name, result, people

    @property
    def total(self) -> float:
        return self.to_safe + self.to_reliable


def options(found: DeskFacts) -> dict[str, list[Option]]:
    """For each action, the visited systems below T4 whose evidence it would remove."""
    offered: dict[str, list[Option]] = {action: [] for action in REMOVES}
    for diagnosis in diagnoses(found):
        if diagnosis.main == Cause.NOT_VISITED:
            continue
        for action, removed in REMOVES.items():
            shown = diagnosis.of(*removed)
            if shown:
                offered[action].append(
                    Option(
                        diagnosis.system.pk,
                        diagnosis.system.name,
                        diagnosis.people,
                        [e.text for e in shown],
                    )
                )
    return offered


def _estimate(diagnosis: Diagnosis, chosen: set[str]) -> tuple[str, float]:
    """("safe" | "reliable" | "", the share of its people counted)."""
    left = {e.cause for e in diagnosis.evidence}
    share = 1.0
    for action in chosen:
        if left & REMOVES[action]:
            left -= REMOVES[action]
            if action == Action.CYCLE:
                share = CYCLE_SUCCESS
    proximate = left & PROXIMATE
    if diagnosis.main in MANAGEMENT and left & MANAGEMENT:
        return "", 0.0  # money or governance is what stops it, and it is still there
    if not proximate:
        return "safe", share
    if proximate == {Cause.OPERATION}:
        return "reliable", share
    return "", 0.0


def estimate(found: DeskFacts, chosen: dict[str, set[int]]) -> Outcome:
    """People moving to reliable or safe water when ``chosen`` (action → system ids) is done."""
    outcome = Outcome()
    for diagnosis in diagnoses(found):
        if diagnosis.main == Cause.NOT_VISITED:
            continue
        actions = {action for action, ids in chosen.items() if diagnosis.system.pk in ids}
        if not actions:
            continue
        result, share = _estimate(diagnosis, actions)
        people = diagnosis.people * share
        if result == "safe":
            outcome.to_safe += people
        elif result == "reliable":
            outcome.to_reliable += people
        outcome.systems.append((diagnosis.system.name, result, people if result else 0.0))
    return outcome
