"""Starter sanitary inspection forms: questions in the project's own words, WHO-1997-style bands."""

from django.db import migrations

SOURCE_NOTE = (
    "Preguntas iniciales escritas por Ojo de Agua a partir de los formularios de la OMS de 1997. "
    "Revíselas contra los paquetes de inspección sanitaria de la OMS de 2024 antes de "
    "presentarlas como de la OMS."
)
VERSION = "inicial 1"

# code, name, system kinds, questions (each "sí" is a hazard seen on the spot).
FORMS = [
    (
        "red-y-tomas",
        "Red de distribución y tomas públicas",
        ["gravity", "pumped"],
        [
            "¿Gotea la llave en el punto de muestreo?",
            "¿Se encharca el agua alrededor del punto de muestreo?",
            "¿Está erosionado el terreno cuesta arriba del punto de muestreo?",
            "¿Hay tubos expuestos cerca del punto de muestreo?",
            "¿Hay excremento de personas o animales a menos de 10 m?",
            "¿Hubo cortes del suministro en los últimos 10 días?",
            "¿Se ven fugas en la línea principal?",
            "¿La comunidad reporta tubos rotos en la última semana?",
            "¿Está expuesta la línea principal en algún tramo?",
        ],
    ),
    (
        "tanque",
        "Tanque de almacenamiento",
        [],
        [
            "¿Está agrietado el tanque o tiene fugas?",
            "¿Falta la tapa de inspección o los respiraderos, o están sucios?",
            "¿Hay sedimento o animales dentro del tanque?",
            "¿Lleva más de un año sin limpiarse?",
            "¿El rebosadero no tiene malla?",
        ],
    ),
    (
        "manantial",
        "Manantial protegido",
        ["point"],
        [
            "¿Falta la caja de captación o está dañada?",
            "¿Está erosionado el relleno detrás del muro?",
            "¿El agua derramada inunda el área donde se recoge?",
            "¿Falta la cerca o está rota?",
            "¿Hay animales a menos de 10 m?",
            "¿Hay una letrina cuesta arriba o a menos de 30 m?",
            "¿Se junta agua superficial cuesta arriba?",
            "¿Falta la zanja de desvío o está tapada?",
            "¿Hay otra contaminación cuesta arriba?",
        ],
    ),
    (
        "captacion-lluvia",
        "Captación de agua de lluvia",
        ["rainwater"],
        [
            "¿Se recoge el agua en un recipiente destapado?",
            "¿Se ve suciedad en el techo?",
            "¿Están sucias las canaletas?",
            "¿Falta el filtro o el separador de primeras lluvias, o no funciona?",
            "¿Hay una abertura sin tapa hacia la cisterna?",
            "¿Hay grietas en las paredes o la tapa de la cisterna?",
            "¿Gotea la llave?",
            "¿Está roto o sucio el piso bajo la llave?",
            "¿Se encharca el área donde se recoge el agua?",
            "¿Hay contaminación cerca de la cisterna?",
        ],
    ),
]


def bands_for(count: int) -> list[tuple[int, int, str]]:
    """WHO 1997 banded ten questions 0-2, 3-5, 6-8, 9-10; keep the same shares for any count."""
    low = int(count * 0.2 + 0.5)
    intermediate = int(count * 0.5 + 0.5)
    high = int(count * 0.8 + 0.5)
    return [
        (0, low, "low"),
        (low + 1, intermediate, "intermediate"),
        (intermediate + 1, high, "high"),
        (high + 1, count, "very_high"),
    ]


def seed(apps, schema_editor):
    InspectionForm = apps.get_model("monitoring", "InspectionForm")
    for code, name, kinds, questions in FORMS:
        form, _created = InspectionForm.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "system_kinds": kinds,
                "version": VERSION,
                "source_note": SOURCE_NOTE,
            },
        )
        for number, text in enumerate(questions, start=1):
            form.questions.update_or_create(number=number, defaults={"text": text})
        form.bands.all().delete()
        for low, high, risk in bands_for(len(questions)):
            form.bands.create(min_score=low, max_score=high, risk=risk)


def unseed(apps, schema_editor):
    InspectionForm = apps.get_model("monitoring", "InspectionForm")
    SystemVisit = apps.get_model("monitoring", "SystemVisit")
    used = SystemVisit.objects.values("inspection_form")
    codes = [code for code, *_rest in FORMS]
    InspectionForm.objects.filter(code__in=codes).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
