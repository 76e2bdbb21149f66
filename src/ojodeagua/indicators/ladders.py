"""JMP service ladders: where one household, school or health centre stands."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Rungs from best to worst; the codes are the JMP's own words.
# "unknown": a household whose rung a missing answer or a missing water test leaves open; it
# is reported apart, never pushed down a rung.
UNKNOWN = "unknown"
WATER_RUNGS = ("safely_managed", "basic", "limited", "unimproved", "surface_water", UNKNOWN)
SANITATION_RUNGS = (
    "safely_managed",
    "basic",
    "limited",
    "unimproved",
    "open_defecation",
    UNKNOWN,
)
HYGIENE_RUNGS = ("basic", "limited", "no_facility")
INSTITUTION_RUNGS = ("basic", "limited", "no_service")

RUNG_LABELS = {
    "safely_managed": _("gestionado de forma segura"),
    "basic": _("básico"),
    "limited": _("limitado"),
    "unimproved": _("no mejorado"),
    "surface_water": _("agua superficial"),
    "open_defecation": _("al aire libre"),
    "no_facility": _("sin instalación"),
    "no_service": _("sin servicio"),
    "unknown": _("no se sabe"),
}
# ui.md: ladders use blue, green, yellow, orange, red — always beside the word.
RUNG_COLOURS = {
    "safely_managed": "blue",
    "basic": "green",
    "limited": "yellow",
    "unimproved": "orange",
    "surface_water": "red",
    "open_defecation": "red",
    "no_facility": "red",
    "no_service": "red",
    "unknown": "grey",
}

IMPROVED_WATER = {
    "piped_dwelling",
    "piped_yard",
    "public_tap",
    "borehole",
    "protected_well",
    "protected_spring",
    "rainwater",
    "tanker",
    "bottled",
}
UNIMPROVED_WATER = {"unprotected_well", "unprotected_spring"}
IMPROVED_TOILETS = {"flush_sewer", "flush_septic", "flush_pit", "vip", "pit_slab", "composting"}
OPEN_DEFECATION = {"none"}
SAFE_DISPOSAL = {"contained", "sewer_treated"}
ROUND_TRIP_LIMIT_MINUTES = 30


@dataclass(frozen=True)
class HouseholdAnswers:
    """The survey answers the ladders read, plus what the water tests said about its water."""

    water_source: str
    water_on_premises: bool
    collection_minutes: int | None
    sufficient_last_month: str
    toilet: str
    toilet_shared: bool
    excreta_disposal: str
    handwashing: str
    handwashing_water: bool
    handwashing_soap: bool
    # True: tests in the window found no E. coli (nor arsenic/fluoride over the limit of the
    # norm the "contamination_norm" setting chose); False: a test failed; None: no test of
    # this household's water (the household is then "unknown", never a rung lower).
    water_free_of_contamination: bool | None = None


def uses_improved_source(answers: HouseholdAnswers) -> bool:
    return answers.water_source in IMPROVED_WATER


def on_premises(answers: HouseholdAnswers) -> bool:
    return answers.water_on_premises or answers.water_source in {"piped_dwelling", "piped_yard"}


def water_rung(answers: HouseholdAnswers) -> str:
    """The household's rung; "unknown" when a missing answer leaves two rungs possible."""
    source = answers.water_source
    if source == "surface":
        return "surface_water"
    if not uses_improved_source(answers):
        return "unimproved"
    if on_premises(answers):
        sufficient = answers.sufficient_last_month
        free = answers.water_free_of_contamination
        if sufficient == "yes" and free is True:
            return "safely_managed"
        if sufficient == "no" or free is False:
            return "basic"
        # Not known whether it had enough water, or no test of its water: basic or better.
        return "unknown"
    minutes = answers.collection_minutes
    if minutes is None:
        return "unknown"
    return "basic" if minutes <= ROUND_TRIP_LIMIT_MINUTES else "limited"


# The three criteria of "safely managed" the JMP weighs among users of improved sources, and
# the household answer that gives each one (True, False, or None when not known).
SAFELY_MANAGED_CRITERIA = ("on_premises", "available", "free_of_contamination")


def safely_managed_criteria(answers: HouseholdAnswers) -> dict[str, bool | None] | None:
    """None for a household without an improved source."""
    if not uses_improved_source(answers):
        return None
    sufficient = answers.sufficient_last_month
    return {
        "on_premises": on_premises(answers),
        "available": {"yes": True, "no": False}.get(sufficient),
        "free_of_contamination": answers.water_free_of_contamination,
    }


def criteria_counts(people_and_criteria) -> dict[str, float]:
    """People using improved sources, and for each criterion the people who meet it and the
    people whose answer is known: summable counts, kept in the value's breakdown."""
    counts = {"improved": 0.0}
    for criterion in SAFELY_MANAGED_CRITERIA:
        counts[criterion] = 0.0
        counts[f"{criterion}_known"] = 0.0
    for people, criteria in people_and_criteria:
        if criteria is None:
            continue
        counts["improved"] += people
        for criterion, met in criteria.items():
            if met is None:
                continue
            counts[f"{criterion}_known"] += people
            counts[criterion] += people if met else 0
    return counts


def safely_managed_share(counts: dict[str, float], people: float) -> float | None:
    """The JMP estimate: share of people using an improved source × the lowest of the three
    criteria, each a share of the users of improved sources whose answer is known. None when
    no one was surveyed or a criterion has no known answer at all (it cannot be estimated)."""
    if not people:
        return None
    if not counts.get("improved"):
        return 0.0
    shares = []
    for criterion in SAFELY_MANAGED_CRITERIA:
        known = counts.get(f"{criterion}_known", 0)
        if not known:
            return None
        shares.append(counts.get(criterion, 0) / known)
    return counts["improved"] / people * min(shares)


def sanitation_rung(answers: HouseholdAnswers) -> str:
    if answers.toilet in OPEN_DEFECATION:
        return "open_defecation"
    if answers.toilet not in IMPROVED_TOILETS:
        return "unimproved"
    if answers.toilet_shared:
        return "limited"
    if answers.excreta_disposal in SAFE_DISPOSAL:
        return "safely_managed"
    if answers.excreta_disposal == "unknown":
        # An improved toilet of its own: basic at least, safely managed if the excreta are
        # disposed of safely, which nobody knows. Reported apart, never a rung lower.
        return UNKNOWN
    return "basic"


def hygiene_rung(answers: HouseholdAnswers) -> str:
    if answers.handwashing == "none":
        return "no_facility"
    if answers.handwashing_water and answers.handwashing_soap:
        return "basic"
    return "limited"


def school_water_rung(improved: bool, available: bool) -> str:
    if not improved:
        return "no_service"
    return "basic" if available else "limited"


def school_sanitation_rung(improved: bool, single_sex: bool, usable: bool) -> str:
    if not improved:
        return "no_service"
    return "basic" if single_sex and usable else "limited"


def institution_hygiene_rung(water: bool, soap: bool) -> str:
    if not water:
        return "no_service"
    return "basic" if soap else "limited"


# Health-care facilities: the JMP's ladders of its 2019 baseline report on WASH in health-care
# facilities. Water, sanitation and hygiene climb basic / limited / no service, and so do its
# two further services, health-care waste and environmental cleaning. These distances and
# requirements are the JMP's definitions, not local policy, so they live here and not in the
# editable settings: changed, the figures would no longer be the JMP's.
# An answer left empty (a survey made before the question was asked) can leave a facility
# between two rungs: it is reported as unknown, neither pushed down nor up.
HEALTH_CARE_RUNGS = (*INSTITUTION_RUNGS, UNKNOWN)
HEALTH_CARE_WATER_MAX_METRES = 500


def health_centre_water_rung(
    improved: bool, on_premises: bool, available: bool, distance_m: int | None
) -> str:
    """Basic: improved source on premises with water at the time of the survey. Limited: an
    improved source within 500 m, or on premises without water. No service: unimproved or
    surface water, no source, or an improved source more than 500 m away. An improved source
    off the premises at an unknown distance is unknown."""
    if not improved:
        return "no_service"
    if on_premises:
        return "basic" if available else "limited"
    if distance_m is None:
        return UNKNOWN
    return "limited" if distance_m <= HEALTH_CARE_WATER_MAX_METRES else "no_service"


def health_centre_sanitation_rung(
    improved: bool,
    usable: bool,
    for_staff: bool | None,
    sex_separated: bool,
    menstrual_hygiene: bool | None,
    accessible: bool | None,
) -> str:
    """Basic: improved toilets that can be used, with at least one for staff, one sex-separated
    with what menstrual hygiene needs, and one usable with limited mobility. Limited: improved
    toilets missing any of these. No service: unimproved toilets or none."""
    if not improved:
        return "no_service"
    requirements = (usable, for_staff, sex_separated, menstrual_hygiene, accessible)
    if any(answer is False for answer in requirements):
        return "limited"
    if any(answer is None for answer in requirements):
        return UNKNOWN
    return "basic"


def both_or_either_rung(first: bool | None, second: bool | None) -> str:
    """The JMP's two-part health-care ladders: both parts basic, one of them limited, neither
    no service. An empty answer that could change the rung leaves it unknown."""
    if first is None or second is None:
        return UNKNOWN
    if first and second:
        return "basic"
    return "limited" if first or second else "no_service"


def health_centre_hygiene_rung(at_care_points: bool | None, near_toilets: bool | None) -> str:
    """Hand hygiene (water and soap, or alcohol-based hand rub) at points of care and within
    5 m of the toilets."""
    return both_or_either_rung(at_care_points, near_toilets)


def health_centre_waste_rung(segregated: bool | None, treated_safely: bool | None) -> str:
    """Waste separated into at least three bins where patients are seen, and sharps and
    infectious waste treated and disposed of safely."""
    return both_or_either_rung(segregated, treated_safely)


def health_centre_cleaning_rung(protocol: bool | None, staff_trained: bool | None) -> str:
    """Basic cleaning protocols, and every staff member who cleans trained."""
    return both_or_either_rung(protocol, staff_trained)
