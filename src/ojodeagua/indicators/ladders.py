"""JMP service ladders: where one household, school or health centre stands."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Rungs from best to worst; the codes are the JMP's own words.
WATER_RUNGS = ("safely_managed", "basic", "limited", "unimproved", "surface_water")
SANITATION_RUNGS = ("safely_managed", "basic", "limited", "unimproved", "open_defecation")
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
    # True: tests in the window found no E. coli (nor arsenic/fluoride over the limit);
    # False: a test failed; None: no test of this household's water.
    water_free_of_contamination: bool | None = None


def water_rung(answers: HouseholdAnswers) -> str:
    source = answers.water_source
    if source == "surface":
        return "surface_water"
    if source in UNIMPROVED_WATER or source not in IMPROVED_WATER:
        return "unimproved"
    on_premises = answers.water_on_premises or source in {"piped_dwelling", "piped_yard"}
    if (
        on_premises
        and answers.sufficient_last_month == "yes"
        and answers.water_free_of_contamination is True
    ):
        return "safely_managed"
    minutes = answers.collection_minutes
    if on_premises or (minutes is not None and minutes <= ROUND_TRIP_LIMIT_MINUTES):
        return "basic"
    return "limited"


def sanitation_rung(answers: HouseholdAnswers) -> str:
    if answers.toilet in OPEN_DEFECATION:
        return "open_defecation"
    if answers.toilet not in IMPROVED_TOILETS:
        return "unimproved"
    if answers.toilet_shared:
        return "limited"
    if answers.excreta_disposal in SAFE_DISPOSAL:
        return "safely_managed"
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


def health_centre_water_rung(improved: bool, on_premises: bool, available: bool) -> str:
    if not improved:
        return "no_service"
    return "basic" if on_premises and available else "limited"
