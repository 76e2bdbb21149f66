"""The demo's integrity cycles and complaint registers: ten committees, two in their second cycle.

Everything is planned in memory with one seeded random generator and written with
``bulk_create``, so the demo stays the same on every run and adds little to its build time.
Dates are counted back from the calendar's reference (``calendar.current().reference``).
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ojodeagua.integrity.applicable import for_kind
from ojodeagua.integrity.catalogue import default_data, load_catalogue
from ojodeagua.integrity.models import (
    AssessedRisk,
    CatalogueVersion,
    CoachingAnswer,
    CoachingSession,
    Complaint,
    ComplianceAnswer,
    Cycle,
    Participant,
    Rating,
    Risk,
    RoadmapChange,
    RoadmapItem,
    ScorecardScore,
)
from ojodeagua.integrity.register import TRACKING_ALPHABET
from ojodeagua.providers.models import Member, Provider, Sex
from ojodeagua.watersystems.models import ServedLocality

from .calendar import add_months, current

INTEGRITY_SEED = "7012-integrity"

# (index of the committee in the demo's list of Berriozábal committees, months before
# current().reference of each workshop). The first eight are among the twelve the NGO facilitator
# covers (index 0 is the treasurer's committee); 12 and 21 only the municipal agency sees.
# Index 15 is left alone: it is the first committee by name, which the integrity tests use
# to build cycles of their own.
CYCLE_PLANS: list[tuple[int, tuple[int, ...]]] = [
    (0, (16, 3)),
    (1, (6,)),
    (2, (9,)),
    (3, (14, 2)),
    (5, (12,)),
    (7, (15,)),
    (8, (8,)),
    (10, (17,)),
    (12, (10,)),
    (21, (14,)),
]
# A single cycle this old is taken as finished.
CLOSED_AFTER_MONTHS = 17
# Committees whose cycles also carry the yearly self-assessment.
SCORECARD_COMMITTEES = {0, 1, 3, 12}
# Committees with a complaint register but no cycle yet.
REGISTER_ONLY = [4, 6, 9, 11, 13, 17, 20, 25]

# Women are the main users of water: they feel bad water and unanswered complaints first.
# Men, who pay and do the faenas, weigh fees and favouritism more. (likelihood, impact) shifts.
WOMEN_WEIGH = {"R06": (0.9, 0.7), "R11": (0.8, 0.6), "R07": (0.7, 0.5)}
MEN_WEIGH = {"R02": (0.8, 0.6), "R09": (0.7, 0.5), "R04": (0.6, 0.4), "R06": (-0.3, -0.2)}

CHECKLIST_EVIDENCE = {
    "C01": (
        "Acta de reconocimiento del ayuntamiento; la guarda el secretario.",
        "Hay una constancia del agente municipal, pero no el acta de cabildo.",
        "No tienen ningún papel del municipio; nadie sabe si se tramitó.",
    ),
    "C02": (
        "Reglamento aprobado en asamblea; se vio el acta con las firmas.",
        "Hay un reglamento de hace años que la asamblea no ha vuelto a aprobar.",
        "Las reglas son de palabra; no hay nada escrito.",
    ),
    "C03": (
        "Padrón en libreta, revisado en la última asamblea.",
        "Hay padrón, pero faltan las tomas nuevas de este año.",
        "No hay padrón; el fontanero sabe de memoria quién tiene toma.",
    ),
    "C04": (
        "Libro de actas completo; se revisaron las de este año.",
        "Hay actas de algunas asambleas; faltan las de la temporada de secas.",
        "No se levantan actas de las asambleas.",
    ),
    "C05": (
        "Libro de ingresos y egresos al día; lo lleva la tesorera.",
        "Se anotan los cobros, pero no todos los gastos.",
        "No hay libro; las cuentas se hacen en hojas sueltas.",
    ),
    "C06": (
        "Recibos foliados con copia; se guardan las notas de cada compra.",
        "Se dan recibos, pero sin folio y no siempre.",
        "No se dan recibos al cobrar la cuota.",
    ),
    "C07": (
        "Cuenta en la caja de ahorro a nombre de dos integrantes del comité.",
        "Hay cuenta, pero a nombre de una sola persona.",
        "El dinero lo guarda el tesorero en su casa.",
    ),
    "C08": (
        "Se presentó el corte de caja en la asamblea de enero; consta en el acta.",
        "Se informa de palabra en la asamblea, sin papeles.",
        "No se han presentado cuentas desde que entró el comité.",
    ),
    "C09": (
        "El comité se renovó en la fecha que dice el reglamento.",
        "Se renovó, pero un año después de lo acordado.",
        "El mismo comité lleva más de seis años.",
    ),
    "C10": (
        "Bitácora de cloración con la lectura de cada semana.",
        "Se anota cuándo se pone cloro, pero no las lecturas.",
        "No se anota la cloración ni las revisiones del agua.",
    ),
    "C11": (
        "Libreta de quejas con fecha y respuesta de cada una.",
        "Las quejas se anotan en el acta, sin fecha para responder.",
        "Las quejas se dicen en la asamblea y no se anotan.",
    ),
    "C12": (
        "Copia del título de la CONAGUA con su inscripción en el REPDA, a nombre del comité.",
        "El título está a nombre de un comité anterior; el cambio no se ha tramitado.",
        "Nadie sabe si la fuente tiene título.",
    ),
    "C13": (
        "Acta de elección del comité actual y oficio del ayuntamiento que lo reconoce.",
        "Hay acta de elección, pero el municipio no ha dado constancia.",
        "No se levantó acta cuando se eligió al comité.",
    ),
    "C14": (
        "El acta de asamblea dice quién opera el sistema y qué paga el municipio.",
        "Se habló en asamblea, pero no quedó por escrito.",
        "Nadie sabe qué le toca al municipio.",
    ),
    "C15": (
        "Manantial cercado por acuerdo de asamblea; recorridos anotados en la libreta.",
        "Hay cerca, pero no se ha recorrido desde las lluvias.",
        "Los animales llegan a beber junto a la caja del manantial.",
    ),
    "C16": (
        "Convenio firmado con el ayuntamiento para el cloro y las reparaciones mayores.",
        "El presidente municipal lo prometió en una reunión; no hay papel.",
        "No hay ningún acuerdo con el municipio.",
    ),
    "C17": (
        "El centro de salud toma muestras cada seis meses y manda los resultados.",
        "Vinieron a tomar muestras, pero no llegaron los resultados.",
        "Nadie de salud ha revisado el agua.",
    ),
}
ANSWERS = ("yes", "partly", "no")

# tool code → (action, how we will know it is done, who does it)
ACTIONS = {
    "recibos-foliados": (
        "Mandar a imprimir recibos foliados con copia",
        "Cada cobro tiene su recibo con folio y copia",
        "Tesorera",
    ),
    "corte-de-caja-doble": (
        "Hacer el corte de caja cada mes entre la tesorera y la vigilancia",
        "Hay un acta de corte firmada por dos personas cada mes",
        "Tesorera y comisión de vigilancia",
    ),
    "deposito-en-cuenta": (
        "Abrir una cuenta en la caja de ahorro y depositar cada mes",
        "Las fichas de depósito se muestran en la asamblea",
        "Presidente y tesorera",
    ),
    "informe-tesorero": (
        "Presentar el informe de ingresos y gastos en cada asamblea",
        "El acta de cada asamblea trae el informe de la tesorera",
        "Tesorera",
    ),
    "reglas-cuotas": (
        "Escribir las reglas de cuotas y exenciones y aprobarlas en asamblea",
        "Las reglas están aprobadas con firmas en el acta",
        "Secretario",
    ),
    "lista-exenciones": (
        "Publicar la lista de quienes no pagan o pagan menos, y por qué",
        "La lista está pegada en la agencia municipal",
        "Secretario",
    ),
    "registro-tomas": (
        "Levantar el registro de todas las tomas, casa por casa",
        "El registro está completo y aprobado en asamblea",
        "Fontanero y secretario",
    ),
    "cuota-toma-publicada": (
        "Publicar la cuota de conexión aprobada por la asamblea",
        "La cuota está en el tablero y en el reglamento",
        "Presidente",
    ),
    "recorridos-red": (
        "Recorrer la red cada mes para buscar fugas y tomas clandestinas",
        "Hay una bitácora de recorridos con fecha y lo que se encontró",
        "Fontanero y vigilancia",
    ),
    "sanciones-reglamento": (
        "Agregar al reglamento las sanciones por tomas clandestinas",
        "La asamblea aprobó las sanciones",
        "Comisión de vigilancia",
    ),
    "tres-cotizaciones": (
        "Pedir tres cotizaciones antes de comprar material o cloro",
        "Cada compra tiene sus tres cotizaciones guardadas",
        "Tesorera",
    ),
    "separacion-funciones": (
        "Repartir quién pide, quién aprueba, quién compra y quién recibe",
        "Hay un acuerdo de asamblea con quién hace cada cosa",
        "Presidente",
    ),
    "bitacora-cloracion": (
        "Llevar la bitácora de cloración con la lectura de cada semana",
        "La bitácora está al día y la revisa la vigilancia",
        "Fontanero",
    ),
    "verificacion-municipal": (
        "Pedir al municipio que verifique el cloro cada mes",
        "Hay constancia de la visita del delegado técnico cada mes",
        "Presidente",
    ),
    "reglas-eleccion": (
        "Escribir cómo se elige al comité y aprobarlo en asamblea",
        "Las reglas de elección están en el reglamento",
        "Secretario",
    ),
    "limite-periodos": (
        "Acordar que nadie repita más de dos periodos seguidos en el comité",
        "El acuerdo está en el acta de asamblea",
        "Asamblea",
    ),
    "participacion-mujeres": (
        "Invitar a las mujeres a la asamblea y al comité, en un horario en que puedan ir",
        "Hay al menos dos mujeres en el comité y las asambleas tienen mujeres",
        "Presidente",
    ),
    "tablero-informacion": (
        "Poner un tablero con cuotas, gastos y avisos en la agencia municipal",
        "El tablero se actualiza cada mes",
        "Secretario",
    ),
    "contraloria-social": (
        "Nombrar y capacitar a la comisión de vigilancia",
        "La comisión revisa las cuentas cada tres meses",
        "Asamblea",
    ),
    "protocolo-entrega": (
        "Preparar la entrega-recepción con libros, inventario y cuenta",
        "Hay un acta de entrega firmada por el comité que sale y el que entra",
        "Comité saliente",
    ),
    "registro-quejas": (
        "Abrir la libreta de quejas con una fecha para responder cada una",
        "Cada queja tiene su fecha y su respuesta anotadas",
        "Secretario",
    ),
    "quejas-en-asamblea": (
        "Poner las quejas como punto fijo del orden del día",
        "Cada acta trae el punto de quejas",
        "Presidente",
    ),
    "modelo-en-asamblea": (
        "Comparar en asamblea las formas de administrar el sistema",
        "El acta dice qué le toca al comité y qué al municipio",
        "Presidente",
    ),
    "expediente-legal": (
        "Juntar en una carpeta el título de agua, el acta y los convenios",
        "La carpeta está completa y hay una copia con la vigilancia",
        "Secretario",
    ),
    "tramite-conagua": (
        "Preguntar a la CONAGUA a nombre de quién está el título de la fuente",
        "Se sabe qué título hay y el trámite pendiente tiene acuse",
        "Presidente",
    ),
    "acta-y-reconocimiento": (
        "Llevar el acta de elección del comité al ayuntamiento",
        "El comité tiene la constancia de reconocimiento del municipio",
        "Secretario",
    ),
    "zona-de-proteccion": (
        "Acordar en asamblea la zona de protección del manantial",
        "La zona está cercada y el acuerdo está en el reglamento",
        "Vocal",
    ),
    "recorrido-fuente": (
        "Recorrer la fuente cada tres meses con el formulario de inspección",
        "Hay cuatro recorridos anotados en el año",
        "Vocal",
    ),
    "acuerdo-uso-fuente": (
        "Firmar con la comunidad vecina un acuerdo sobre el uso del manantial",
        "El acuerdo firmado está en la carpeta del comité",
        "Presidente",
    ),
    "convenio-municipio": (
        "Firmar un convenio con el ayuntamiento sobre cloro y reparaciones",
        "El convenio firmado se leyó en asamblea",
        "Presidente",
    ),
    "acuerdo-servicios-salud": (
        "Pedir al centro de salud un calendario de muestreo del agua",
        "Los resultados de los análisis llegan al comité",
        "Vocal",
    ),
}
OWN_RISKS = [
    (
        "Las llaves del tanque y de las válvulas las tiene una sola persona",
        ("Sacar copia de las llaves y dejarla con la vigilancia", "Dos personas tienen llave"),
    ),
    (
        "El fontanero cobra aparte por reparar las tomas",
        ("Fijar en asamblea qué reparaciones cubre la cuota", "El acuerdo está en el tablero"),
    ),
    (
        "En secas se usa el agua de la red para regar",
        ("Acordar el horario de riego y avisarlo", "El acuerdo se leyó en la asamblea"),
    ),
    (
        "Nadie sabe quién autorizó la venta de la bomba vieja",
        ("Presentar en asamblea el acta de la venta", "La asamblea conoce la venta y su monto"),
    ),
]
MOVE_REASONS = [
    "Se movió la fecha: no alcanzó la cooperación para el material.",
    "Se movió la fecha por la temporada de lluvias; los caminos no pasan.",
    "La asamblea pidió más tiempo para revisarlo.",
    "Se movió la fecha: no hubo quórum en la asamblea.",
]
HANDOVER_REASON = "Cambió el comité; la acción pasa a quien ocupa ahora el cargo."
START_REASONS = [
    "Se empezó después de la asamblea.",
    "Se empezó con el apoyo de la facilitadora.",
    "La asamblea dio el visto bueno para empezar.",
]
DONE_REASONS = [
    "Quedó hecha y se informó a los usuarios en la asamblea.",
    "Quedó hecha; la vigilancia lo revisó.",
    "Quedó hecha; se puso el aviso en el tablero.",
]
DROP_REASONS = [
    "La asamblea decidió esperar a que entre el nuevo comité.",
    "No hubo dinero para abrir la cuenta; se intentará el próximo año.",
    "El municipio no mandó al técnico; se cambió por otra acción.",
    "Se juntó con otra acción de la hoja de ruta.",
]
SESSION_NOTES = [
    "Se revisó la hoja de ruta punto por punto.",
    "Se preparó el informe para la próxima asamblea.",
    "Se revisaron los recibos y la libreta de quejas.",
    "Se habló de cómo avisar a los usuarios de los cambios en el plan.",
]
UNINTENDED = [
    "Más usuarios se acercaron a pagar al ver que hay cuentas claras.",
    "Algunos usuarios se molestaron al principio porque ya no se fía la cuota.",
    "Comités vecinos preguntaron cómo lo hicieron.",
    "Ninguno que se haya notado.",
]
STUCK = [
    "Falta terminar; no alcanzó el dinero.",
    "Falta que la asamblea lo apruebe; no hubo quórum.",
    "Falta; la persona responsable salió a trabajar fuera un mes.",
]
UNSTUCK = [
    "Se acordó juntar cooperación en la próxima faena.",
    "Se pidió apoyo a la agencia municipal.",
    "Otro integrante del comité la va a apoyar.",
]
NOT_STARTED = [
    "El comité estuvo ocupado con la reparación de la línea.",
    "Se espera a la temporada de secas para hacerlo.",
    "No se ha juntado el dinero.",
]
SCORE_EVIDENCE = {
    1: "No se hace todavía; el comité lo reconoce.",
    2: "Se empezó, pero no hay papeles que lo muestren.",
    3: "Se hace a veces; hay actas de algunas asambleas.",
    4: "Se hace casi siempre; falta escribirlo en el reglamento.",
    5: "Se hace siempre y hay pruebas: actas, recibos y tablero.",
}
# (what, where, the committee's answer)
COMPLAINTS = [
    ("No llegó el agua tres días seguidos.", "Barrio de arriba", "Se reparó una fuga en la línea."),
    (
        "El agua sale turbia después de las lluvias.",
        "Calle principal",
        "Se lavó el tanque y se purgó la red.",
    ),
    ("El agua huele mucho a cloro.", "Cerca del tanque", "Se ajustó la dosis del clorador."),
    (
        "Le cobraron la conexión de una toma nueva sin darle recibo.",
        "",
        "La tesorera entregó el recibo y se anotó el cobro en el libro.",
    ),
    (
        "Un vecino tiene una toma que no está en el padrón.",
        "Camino al panteón",
        "Se revisó en un recorrido y se le pidió regularizarse.",
    ),
    (
        "No se informó en qué se gastó la cooperación para el tubo.",
        "",
        "Se presentó el gasto con sus notas en la asamblea.",
    ),
    (
        "Hay una fuga frente a la escuela desde hace dos semanas.",
        "Frente a la escuela",
        "El fontanero cambió el tramo de manguera.",
    ),
    (
        "A unas familias les perdonan la cuota y a otras no.",
        "",
        "Se leyó en la asamblea la lista de exenciones y sus razones.",
    ),
    (
        "El fontanero no vino a revisar la toma.",
        "Barrio de abajo",
        "Se fijó un día de visita y se revisó la toma.",
    ),
    (
        "Cortaron el agua sin avisar.",
        "Toda la comunidad",
        "Se acordó avisar por el altavoz antes de cada corte.",
    ),
    (
        "El agua llega con muy poca presión a las casas de la loma.",
        "Colonia de la loma",
        "Se hizo tandeo por sectores.",
    ),
    (
        "Le exigen pagar las faenas atrasadas de su esposo, que ya falleció.",
        "",
        "El comité acordó no cobrar faenas de personas finadas.",
    ),
]
NOT_RESOLVED = [
    "No hubo dinero para cambiar la tubería; se pedirá apoyo al municipio.",
    "El vecino no aceptó regularizar su toma; el caso pasa a la asamblea.",
    "El manantial no da más agua en secas; no depende del comité.",
    "Se necesita una bomba nueva que el comité no puede comprar.",
]
REPORTERS = ["Juana Pérez", "Domingo Cruz", "Micaela López", "Sebastián Díaz", "Teresa Ruiz"]


def clamp(value: float, low: int = 1, high: int = 3) -> int:
    return max(low, min(high, int(value + 0.5)))


def at_six_pm(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18)))


def tracking_code(rng: random.Random) -> str:
    """A demo complaint's code, drawn from the demo's own random source (the register draws
    real ones from ``secrets``)."""
    code = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


@dataclass
class ItemStory:
    """One road-map item and the dated changes that brought it to its present state."""

    item: RoadmapItem
    # (day, {field: [before, after]}, reason), in order.
    changes: list[tuple[datetime.date, dict, str]] = field(default_factory=list)

    def status_on(self, day: datetime.date) -> str:
        status = RoadmapItem.Status.PENDING
        for when, changes, _reason in self.changes:
            if when <= day and "status" in changes:
                status = changes["status"][1]
        return status


@dataclass
class Rows:
    cycles: list = field(default_factory=list)
    participants: list = field(default_factory=list)
    compliance: list = field(default_factory=list)
    assessed: list = field(default_factory=list)
    ratings: list = field(default_factory=list)
    items: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    complaints: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {f"integrity_{name}": len(rows) for name, rows in vars(self).items()}


class IntegrityDemo:
    """Plans every row in memory (``plan``), then writes them in a few bulk inserts (``write``)."""

    def __init__(self, committees: list[Provider]) -> None:
        self.random = random.Random(INTEGRITY_SEED)
        self.committees = committees
        # A flushed test database has lost what the migrations seeded: seed it the same way.
        self.catalogue = CatalogueVersion.current() or load_catalogue(default_data())
        self.scale = self.catalogue.scales.get(code="3x3")
        self.risks = {
            risk.code: risk
            for risk in self.catalogue.risks.prefetch_related("tools").order_by("code")
        }
        self.tools = {
            risk: sorted(r.tools.all(), key=lambda t: t.code) for risk, r in self.risks.items()
        }
        self.checklist = list(self.catalogue.checklist.order_by("code"))
        self.indicators = list(self.catalogue.scorecard_indicators.order_by("code"))
        self.users = dict(
            get_user_model()
            .objects.filter(username__in=["agencia", "ong", "tesorera"])
            .values_list("username", "pk")
        )
        self.members: dict[int, list[Member]] = defaultdict(list)
        for member in Member.objects.filter(provider__in=committees).order_by("pk"):
            self.members[member.provider_id].append(member)
        self.households: dict[int, int] = defaultdict(int)
        for provider_id, households in ServedLocality.objects.filter(
            system__provider__in=committees
        ).values_list("system__provider_id", "households"):
            self.households[provider_id] += households or 0
        self.rows = Rows()

    # Who records what: the treasurer for her committee, the NGO for those it coaches.
    def recorder(self, index: int) -> int | None:
        if index == 0:
            return self.users.get("tesorera")
        return self.users.get("ong") if index < 12 else self.users.get("agencia")

    def workshop_day(self, months_ago: int) -> datetime.date:
        first = add_months(current().reference, -months_ago)
        return first.replace(day=self.random.randint(4, 26))

    # The whole plan --------------------------------------------------------------------------
    def plan(self) -> None:
        for index, months in CYCLE_PLANS:
            provider = self.committees[index]
            days = [self.workshop_day(m) for m in months]
            profile = self.profile(provider)
            previous = None
            for number, day in enumerate(days, start=1):
                following = days[number] if number < len(days) else None
                previous = self.cycle(index, provider, number, day, following, profile, previous)
        for index, _months in CYCLE_PLANS:
            self.register(index, self.committees[index], self.random.randint(5, 9))
        for index in REGISTER_ONLY:
            self.register(index, self.committees[index], self.random.randint(2, 6))

    def asked_risks(self, provider: Provider) -> dict[str, Risk]:
        """The catalogue risks a workshop asks a provider of this kind (``applicable``)."""
        return {risk.code: risk for risk in for_kind(self.risks.values(), provider.kind)}

    def profile(self, provider: Provider) -> dict[str, tuple[float, float]]:
        """A committee's own risk picture: what its people, on average, see."""
        asked = self.asked_risks(provider)
        profile = {
            code: (self.random.uniform(1.2, 2.5), self.random.uniform(1.3, 2.6)) for code in asked
        }
        for code in self.random.sample(sorted(asked), 2):
            likelihood, impact = profile[code]
            profile[code] = (likelihood + 0.6, impact + 0.4)
        return profile

    def cycle(self, index, provider, number, day, following, profile, previous):
        closed = (
            following is not None or (current().reference - day).days > CLOSED_AFTER_MONTHS * 30
        )
        horizon = following - datetime.timedelta(days=1) if following else current().reference
        households = self.households.get(provider.pk) or 40
        context = (
            f"{provider.name} atiende a unas {households} familias. La asamblea se reúne cada "
            "mes; el comité cobra la cuota en la agencia municipal."
        )
        if previous is not None:
            context += (
                " Segundo ciclo: el grupo revisa cómo cambiaron los riesgos y la lista de "
                "cumplimiento desde el taller anterior."
            )
        cycle = Cycle(
            provider=provider,
            number=number,
            catalogue=self.catalogue,
            scale=self.scale,
            stage=Cycle.Stage.CLOSED if closed else Cycle.Stage.IMPLEMENTATION,
            context=context,
            workshop_on=day,
        )
        self.rows.cycles.append(cycle)
        key = f"demo-integridad-{provider.pk}-{number}"
        people = self.participants(cycle, key, provider, day)
        self.compliance(cycle, index, previous)
        chosen = self.ratings(cycle, key, people, profile, previous)
        stories = self.roadmap(cycle, key, index, chosen, day, horizon, closed)
        self.coaching(cycle, key, index, stories, day, horizon)
        if index in SCORECARD_COMMITTEES:
            self.scorecard(cycle, previous)
        return {"cycle": cycle, "top": [a.risk.code for a in chosen if a.risk], "day": day}

    def participants(self, cycle, key, provider, day) -> list[Participant]:
        rng = self.random
        total = rng.randint(8, 20)
        women_share = rng.uniform(0.3, 0.55)
        in_office = [
            m
            for m in self.members[provider.pk]
            if (m.term_start is None or m.term_start <= day)
            and (m.term_end is None or m.term_end >= day)
        ]
        # The committee in office, by name (names are optional; most users give none).
        people = [
            [member.name, Participant.Role.COMMITTEE, member.sex]
            for member in in_office[: min(rng.randint(3, 5), total // 3)]
        ]
        if provider.pk in self.ngo_covered:
            people.append(["", Participant.Role.NGO, Sex.FEMALE])
        if rng.random() < 0.6:
            people.append(["", Participant.Role.AUTHORITY, Sex.MALE])
        while len(people) < total:
            sex = Sex.FEMALE if rng.random() < women_share else Sex.MALE
            people.append(["", Participant.Role.USER, sex])
        # Both sexes always take part, at least three of each, so their means say something.
        for sex, other in ((Sex.FEMALE, Sex.MALE), (Sex.MALE, Sex.FEMALE)):
            users = [p for p in people if p[1] == Participant.Role.USER and p[2] == other]
            while sum(1 for p in people if p[2] == sex) < 3 and users:
                users.pop()[2] = sex
        rows = []
        for number, (name, role, sex) in enumerate(people, start=1):
            if role == Participant.Role.USER and rng.random() < 0.12:
                first = rng.choice(
                    ["Guadalupe", "Petrona", "Andrea"]
                    if sex == Sex.FEMALE
                    else ["Alonso", "Raúl", "Jacinto"]
                )
                name = f"{first} {rng.choice(['Gómez', 'Méndez', 'Toledo', 'Velasco'])}"
            rows.append(
                Participant(
                    record_id=f"{key}-persona-{number:02d}",
                    cycle=cycle,
                    name=name,
                    role=role,
                    sex=sex,
                    age_group=rng.choices(list(Participant.AgeGroup.values), weights=[25, 55, 20])[
                        0
                    ],
                )
            )
        self.rows.participants.extend(rows)
        return rows

    def compliance(self, cycle, index, previous) -> None:
        rng = self.random
        before = {}
        if previous is not None:
            before = {
                a.item.code: a.answer for a in self.rows.compliance if a.cycle is previous["cycle"]
            }
        quality = rng.uniform(0.25, 0.7)
        for item in for_kind(self.checklist, cycle.provider.kind):
            if item.code in before:
                # After a year of work, about half of what was missing moved up one step.
                answer = before[item.code]
                if answer != "yes" and rng.random() < 0.6:
                    answer = ANSWERS[ANSWERS.index(answer) - 1]
            else:
                roll = rng.random()
                answer = "yes" if roll < quality else "partly" if roll < quality + 0.2 else "no"
            evidence = CHECKLIST_EVIDENCE.get(item.code, ("", "", ""))[ANSWERS.index(answer)]
            self.rows.compliance.append(
                ComplianceAnswer(cycle=cycle, item=item, answer=answer, evidence=evidence)
            )

    def ratings(self, cycle, key, people, profile, previous) -> list[AssessedRisk]:
        """Every participant rates every risk; the consensus is the room's rounded mean."""
        rng = self.random
        picture = dict(profile)
        if previous is not None:
            # The tools chosen last time worked, at least in part: those risks went down, and
            # a year of open books lowered the rest a little.
            for code, (likelihood, impact) in profile.items():
                down = (1.1, 0.5) if code in previous["top"] else (0.3, 0.2)
                picture[code] = (likelihood - down[0], impact - down[1])
        entries: list[tuple[AssessedRisk, str | None]] = [
            (AssessedRisk(record_id=f"{key}-riesgo-{code}", cycle=cycle, risk=risk), code)
            for code, risk in self.asked_risks(cycle.provider).items()
        ]
        if rng.random() < 0.5:
            for number, (title, _action) in enumerate(rng.sample(OWN_RISKS, rng.randint(1, 2))):
                entries.append(
                    (
                        AssessedRisk(
                            record_id=f"{key}-riesgo-propio-{number + 1}",
                            cycle=cycle,
                            own_title=title,
                        ),
                        None,
                    )
                )
                picture[title] = (rng.uniform(1.8, 2.6), rng.uniform(1.6, 2.4))
        means = {}
        for assessed, code in entries:
            base_likelihood, base_impact = picture[code or assessed.own_title]
            given = []
            for person in people:
                shift = (WOMEN_WEIGH if person.sex == Sex.FEMALE else MEN_WEIGH).get(code, (0, 0))
                likelihood = clamp(base_likelihood + shift[0] + rng.gauss(0, 0.5))
                impact = clamp(base_impact + shift[1] + rng.gauss(0, 0.5))
                given.append((likelihood, impact))
                self.rows.ratings.append(
                    Rating(
                        assessed_risk=assessed,
                        participant=person,
                        likelihood=likelihood,
                        impact=impact,
                    )
                )
            assessed.consensus_likelihood = clamp(sum(g[0] for g in given) / len(given))
            assessed.consensus_impact = clamp(sum(g[1] for g in given) / len(given))
            means[assessed.record_id] = sum(g[0] * g[1] for g in given) / len(given)
            self.rows.assessed.append(assessed)
        ranked = sorted(
            (a for a, _code in entries),
            key=lambda a: (
                -(a.consensus_likelihood * a.consensus_impact),
                -means[a.record_id],
                a.record_id,
            ),
        )
        for priority, assessed in enumerate(ranked[:3], start=1):
            assessed.priority = priority
        return ranked[:3]

    def roadmap(self, cycle, key, index, chosen, day, horizon, closed) -> list[ItemStory]:
        rng = self.random
        stories = []
        for assessed in chosen:
            if assessed.risk is not None:
                tools = self.tools[assessed.risk.code]
                picked = rng.sample(tools, rng.randint(2, min(4, len(tools))))
                plans = [(tool, *ACTIONS[tool.code]) for tool in picked]
            else:
                action, done_when = dict(OWN_RISKS)[assessed.own_title]
                plans = [(None, action, done_when, "Presidente")]
                plans.append(
                    (None, "Informar a la asamblea de lo acordado", done_when, "Secretario")
                )
            for number, (tool, action, done_when, responsible) in enumerate(plans, start=1):
                item = RoadmapItem(
                    record_id=f"{key}-accion-{assessed.priority}-{number}",
                    assessed_risk=assessed,
                    tool=tool,
                    action=action,
                    responsible=responsible,
                    deadline=day + datetime.timedelta(days=rng.randint(30, 240)),
                    done_when=done_when,
                )
                stories.append(self.item_story(item, day, horizon, closed))
        for story in stories:
            self.rows.items.append(story.item)
            for when, changes, reason in story.changes:
                change = RoadmapChange(
                    item=story.item,
                    changed_by_id=self.recorder(index),
                    changes=changes,
                    reason=reason,
                )
                change.demo_changed_at = at_six_pm(when)
                self.rows.changes.append(change)
        return stories

    def item_story(self, item, day, horizon, closed) -> ItemStory:
        """Decide where the item ended up, then write the dated changes that took it there."""
        rng = self.random
        story = ItemStory(item)
        deadline = item.deadline
        moved = rng.random() < 0.25
        if moved:
            deadline += datetime.timedelta(days=rng.randint(30, 90))
        start = min(day + datetime.timedelta(days=rng.randint(7, 45)), horizon)
        roll = rng.random()
        if closed:
            fate = "done" if roll < 0.8 else "dropped" if roll < 0.95 else "in_progress"
        elif deadline < horizon:
            choices = [(0.62, "done"), (0.72, "dropped"), (0.87, "in_progress"), (1, "pending")]
            fate = next(name for limit, name in choices if roll < limit)
        else:
            fate = "done" if roll < 0.15 else "in_progress" if roll < 0.6 else "pending"
        if fate == "done" and start + datetime.timedelta(days=5) > horizon:
            fate = "in_progress"
        # (day, field, new value, reason); the day that ends the story comes last.
        events: list[tuple[datetime.date, str, object, str]] = []
        end = horizon
        if fate != "pending":
            events.append((start, "status", "in_progress", rng.choice(START_REASONS)))
        if fate == "done":
            end = deadline + datetime.timedelta(days=rng.randint(-30, 20))
            end = min(max(start + datetime.timedelta(days=5), end), horizon)
            events.append((end, "done", end, rng.choice(DONE_REASONS)))
        elif fate == "dropped":
            end = min(start + datetime.timedelta(days=rng.randint(10, 120)), horizon)
            events.append((end, "dropped", rng.choice(DROP_REASONS), ""))
        if moved:
            moved_on = item.deadline - datetime.timedelta(days=rng.randint(0, 20))
            moved_on = min(max(day + datetime.timedelta(days=5), moved_on), end, horizon)
            events.append((moved_on, "deadline", deadline, rng.choice(MOVE_REASONS)))
        if fate != "pending" and rng.random() < 0.1:
            handover = min(start + datetime.timedelta(days=rng.randint(1, 30)), end)
            events.append((handover, "responsible", "Nueva tesorera", HANDOVER_REASON))
        order = ["deadline", "responsible", "status", "done", "dropped"]
        events.sort(key=lambda e: (e[0], order.index(e[1])))
        current = {
            "status": "pending",
            "deadline": item.deadline,
            "responsible": item.responsible,
            "done_on": None,
            "dropped_reason": "",
        }
        for when, name, value, reason in events:
            if name == "done":
                changes = {"status": [current["status"], "done"], "done_on": [None, str(value)]}
                current.update(status="done", done_on=value)
            elif name == "dropped":
                changes = {"status": [current["status"], "dropped"], "dropped_reason": ["", value]}
                current.update(status="dropped", dropped_reason=value)
                reason = value
            else:
                changes = {name: [str(current[name]), str(value)]}
                current[name] = value
            story.changes.append((when, changes, reason))
        item.status = current["status"]
        item.deadline = current["deadline"]
        item.responsible = current["responsible"]
        item.done_on = current["done_on"]
        item.dropped_reason = current["dropped_reason"]
        return story

    def coaching(self, cycle, key, index, stories, day, horizon) -> None:
        rng = self.random
        coach = "facilitadora de Agua Clara" if index < 12 else "técnico del organismo municipal"
        held = day + datetime.timedelta(days=rng.randint(40, 70))
        number = 0
        while held <= horizon and number < 4:
            number += 1
            session = CoachingSession(
                record_id=f"{key}-acompanamiento-{number}",
                cycle=cycle,
                held_on=held,
                attendees=f"Presidente, tesorera, comisión de vigilancia y {coach}",
                notes=rng.choice(SESSION_NOTES),
            )
            self.rows.sessions.append(session)
            for story in rng.sample(stories, min(len(stories), rng.randint(2, 4))):
                self.rows.answers.append(self.answer(session, story, held))
            held += datetime.timedelta(days=rng.randint(60, 100))

    def answer(self, session, story, held) -> CoachingAnswer:
        """The four guiding questions, answered as the item stood on the session's day."""
        rng = self.random
        item = story.item
        status = story.status_on(held)
        if status == RoadmapItem.Status.DONE:
            reached = f"Quedó hecha: {item.done_when[0].lower()}{item.done_when[1:]}."
            effects = rng.choice(UNINTENDED)
            missed = "Ninguna; se hizo lo planeado."
            problems = rng.choice(["Hubo que explicarlo en dos asambleas.", "Ninguno importante."])
        elif status == RoadmapItem.Status.IN_PROGRESS:
            reached = "Se empezó y hay avances."
            effects = rng.choice([*UNINTENDED, "Ninguno por ahora."])
            missed = rng.choice(STUCK)
            problems = rng.choice(UNSTUCK)
        elif status == RoadmapItem.Status.DROPPED:
            reached = "Ninguna: la acción se dejó."
            effects = "Ninguno."
            missed = f"Se dejó: {item.dropped_reason}"
            problems = "Se informó a la asamblea del cambio de plan."
        else:
            reached = "Todavía ninguna."
            effects = "Ninguno."
            missed = f"No se ha empezado. {rng.choice(NOT_STARTED)}"
            problems = "Se fijó con el comité el primer paso para antes de la próxima sesión."
        return CoachingAnswer(
            session=session,
            item=item,
            goals_reached=reached,
            unintended_effects=effects,
            goals_missed=missed,
            problems=problems,
        )

    def scorecard(self, cycle, previous) -> None:
        rng = self.random
        before = {}
        if previous is not None:
            before = {
                s.indicator.code: s.score for s in self.rows.scores if s.cycle is previous["cycle"]
            }
        for indicator in for_kind(self.indicators, cycle.provider.kind):
            if indicator.code in before:
                score = min(5, before[indicator.code] + rng.choice([0, 1, 1, 2]))
            else:
                score = rng.choices([1, 2, 3, 4, 5], weights=[3, 4, 4, 2, 1])[0]
            self.rows.scores.append(
                ScorecardScore(
                    cycle=cycle, indicator=indicator, score=score, evidence=SCORE_EVIDENCE[score]
                )
            )

    def register(self, index: int, provider: Provider, count: int) -> None:
        """The complaint register: most complaints closed, a few open past their date."""
        rng = self.random
        for number in range(1, count + 1):
            received = current().reference - datetime.timedelta(days=rng.randint(3, 540))
            what, where, reply = rng.choice(COMPLAINTS)
            respond_by = received + datetime.timedelta(days=rng.choice([7, 7, 10, 15, 30]))
            complaint = Complaint(
                record_id=f"demo-queja-{provider.pk}-{number:02d}",
                provider=provider,
                channel=rng.choices(
                    ["in_person", "assembly", "phone", "box"], weights=[40, 25, 20, 15]
                )[0],
                received_on=received,
                reported_by=rng.choice(REPORTERS) if rng.random() < 0.3 else "",
                what=what,
                where=where,
                respond_by=respond_by,
            )
            age = (current().reference - received).days
            roll = rng.random()
            if (age > 45 and roll < 0.92) or (age > 15 and roll < 0.6):
                # Some answers come after the promised day: the register shows the real times.
                complaint.answered_on = min(
                    received + datetime.timedelta(days=rng.choice([1, 2, 3, 5, 8, 12, 20])),
                    current().reference,
                )
                complaint.answer = reply
                complaint.status = Complaint.Status.ANSWERED
                closing = complaint.answered_on + datetime.timedelta(days=rng.randint(0, 25))
                if closing <= current().reference and rng.random() < 0.8:
                    complaint.closed_on = closing
                    if rng.random() < 0.82:
                        complaint.status = Complaint.Status.RESOLVED
                    else:
                        complaint.status = Complaint.Status.NOT_RESOLVED
                        complaint.not_resolved_reason = rng.choice(NOT_RESOLVED)
            self.public_voice(complaint, f"{index}-{number}", current().reference)
            self.rows.complaints.append(complaint)
        if index in {0, 2, 12}:
            # Open past its date on the demo's reference day, so the red flag shows.
            received = current().reference - datetime.timedelta(days=rng.randint(20, 40))
            self.rows.complaints.append(
                Complaint(
                    record_id=f"demo-queja-{provider.pk}-{count + 1:02d}",
                    provider=provider,
                    channel="assembly",
                    received_on=received,
                    what="Pidieron en la asamblea ver las notas de la compra de cloro.",
                    respond_by=received + datetime.timedelta(days=10),
                    reporter_sex=Sex.FEMALE,
                    tracking_code=tracking_code(random.Random(f"queja-{index}-late")),
                    # The nightly job turned it over the day after its date.
                    escalated_on=received + datetime.timedelta(days=11),
                )
            )

    @staticmethod
    def public_voice(complaint: Complaint, seed: str, reference: datetime.date) -> None:
        """Who filed it (women more often: they carry the water), its tracking code, and for
        some answered ones the committee's reviewed words for the public page. A random source
        of its own, so the rest of the demo draws the same numbers as before."""
        rng = random.Random(f"queja-{seed}")
        complaint.reporter_sex = rng.choices(["F", "M", ""], weights=[60, 30, 10])[0]
        complaint.tracking_code = tracking_code(rng)
        if rng.random() < 0.2:
            complaint.channel = Complaint.Channel.PUBLIC_FORM
        if complaint.status != Complaint.Status.RECEIVED and rng.random() < 0.5:
            complaint.public_summary = complaint.what
        if complaint.is_overdue(reference):
            # The nightly job turned it over to the agency the day after its date.
            complaint.escalated_on = complaint.respond_by + datetime.timedelta(days=1)

    # Writing ---------------------------------------------------------------------------------
    @property
    def ngo_covered(self) -> set[int]:
        return {p.pk for p in self.committees[:12]}

    @transaction.atomic
    def write(self) -> dict[str, int]:
        rows = self.rows
        Cycle.objects.bulk_create(rows.cycles)
        Participant.objects.bulk_create(rows.participants)
        ComplianceAnswer.objects.bulk_create(rows.compliance)
        AssessedRisk.objects.bulk_create(rows.assessed)
        Rating.objects.bulk_create(rows.ratings, batch_size=1000)
        RoadmapItem.objects.bulk_create(rows.items)
        RoadmapChange.objects.bulk_create(rows.changes)
        # changed_at is set on creation; the demo's changes happened on their own days.
        for change in rows.changes:
            change.changed_at = change.demo_changed_at
        RoadmapChange.objects.bulk_update(rows.changes, ["changed_at"])
        CoachingSession.objects.bulk_create(rows.sessions)
        CoachingAnswer.objects.bulk_create(rows.answers)
        ScorecardScore.objects.bulk_create(rows.scores)
        Complaint.objects.bulk_create(rows.complaints)
        return rows.counts()


def build_integrity(committees: list[Provider]) -> dict[str, int]:
    """Write the demo's cycles and complaints for its Berriozábal committees; returns counts."""
    demo = IntegrityDemo(committees)
    demo.plan()
    return demo.write()
