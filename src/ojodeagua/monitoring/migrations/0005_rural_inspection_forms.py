"""Sanitary inspection forms for the other supplies of rural Chiapas, and a source note that
does not present the forms or their bands as WHO's.

Questions are in the project's own words; each "sí" is a hazard seen on the spot. Bands are the
project's, in the shares of the WHO 1997 forms, until checked against WHO's 2024 packages.
Works on a database that already holds visits: forms are found by code, questions by number,
and the bands of a form already in use are left as they are.
"""

from django.db import migrations

SOURCE_NOTE = (
    "Propuesta de Ojo de Agua basada en los formularios de inspección sanitaria de la OMS de "
    "1997; a cotejar con los paquetes de 2024. Las preguntas y las bandas de riesgo no son de "
    "la OMS."
)
OLD_SOURCE_NOTE = (
    "Preguntas iniciales escritas por Ojo de Agua a partir de los formularios de la OMS de 1997. "
    "Revíselas contra los paquetes de inspección sanitaria de la OMS de 2024 antes de "
    "presentarlas como de la OMS."
)
VERSION = "inicial 1"
TEN = [(0, 2, "low"), (3, 5, "intermediate"), (6, 8, "high"), (9, 10, "very_high")]
ELEVEN = [(0, 2, "low"), (3, 6, "intermediate"), (7, 9, "high"), (10, 11, "very_high")]

# code, name, system kinds (the form offered first for them), questions, bands.
FORMS = [
    (
        "pozo-bomba-manual",
        "Pozo con bomba manual",
        ["point"],
        [
            "¿Hay una letrina a menos de 10 m del pozo?",
            "¿Hay una letrina en un terreno más alto que el pozo?",
            "¿Hay excremento de animales, basura o aguas sucias a menos de 10 m?",
            "¿Se encharca el agua a menos de 2 m de la bomba?",
            "¿Falta el canal de desagüe, o está roto o tapado?",
            "¿Falta la cerca o está rota, de modo que llegan animales a la bomba?",
            "¿Falta la plataforma de concreto o es de menos de 1 m alrededor de la bomba?",
            "¿Tiene grietas la plataforma?",
            "¿Está floja la bomba en su base, de modo que puede entrar agua al pozo?",
            "¿Falta la tapa del pozo o no cierra bien?",
            "¿Se saca agua también con cubeta y cuerda, además de la bomba?",
        ],
        ELEVEN,
    ),
    (
        "pozo-bomba-motor",
        "Pozo profundo con bomba de motor",
        ["pumped"],
        [
            "¿Hay una letrina o fosa séptica a menos de 30 m del pozo?",
            "¿Hay corrales, basura, agroquímicos o aguas negras a menos de 30 m?",
            "¿Falta la caseta o la cerca del pozo, o están abiertas?",
            "¿Falta el sello entre el ademe y la tubería, o está roto?",
            "¿Se encharca el agua alrededor de la boca del pozo?",
            "¿Falta la losa de concreto alrededor del pozo o está agrietada?",
            "¿Falta el canal de desagüe o está tapado?",
            "¿Hay fugas en la tubería de descarga o en las válvulas?",
            "¿Hay un pozo viejo o abandonado sin tapar cerca?",
            "¿Se paró la bomba en los últimos 10 días por falla o falta de luz?",
        ],
        TEN,
    ),
    (
        "pozo-excavado",
        "Pozo excavado (noria)",
        ["point"],
        [
            "¿Hay una letrina a menos de 10 m del pozo?",
            "¿Hay una letrina en un terreno más alto que el pozo?",
            "¿Hay excremento de animales, basura o aguas sucias a menos de 10 m?",
            "¿Falta el brocal, o está agrietado o tan bajo que entra agua de lluvia?",
            "¿Falta la tapa o se queda abierta?",
            "¿Se saca el agua con una cubeta o cuerda que se deja en el suelo?",
            "¿Falta la plataforma alrededor del pozo o tiene grietas?",
            "¿Se encharca el agua a menos de 2 m del pozo?",
            "¿Falta el canal de desagüe o está tapado?",
            "¿Están sin recubrir o agrietadas las paredes del pozo cerca de la superficie?",
        ],
        TEN,
    ),
    (
        "toma-arroyo",
        "Toma por gravedad de un arroyo o río",
        ["gravity"],
        [
            "¿Hay casas, letrinas o corrales río arriba de la toma?",
            "¿Beben o cruzan animales el arroyo río arriba o junto a la toma?",
            "¿Se lava ropa, se bañan personas o se tira basura río arriba?",
            "¿Hay siembras con agroquímicos o desmonte junto al cauce río arriba?",
            "¿Falta la rejilla de la entrada o está rota?",
            "¿Falta el desarenador o está lleno de lodo?",
            "¿Tiene grietas o fugas la obra de toma?",
            "¿Falta la cerca de la toma o está rota?",
            "¿Está turbia el agua el día de la visita?",
            "¿Hay tramos de la línea de conducción expuestos o con fugas?",
        ],
        TEN,
    ),
    (
        "punto-cloracion",
        "Punto de cloración",
        [],
        [
            "¿Falta cloro en el lugar, o se acabó en la última semana?",
            "¿Está roto, tapado o parado el clorador el día de la visita?",
            "¿Falta la bitácora de cloración, o tiene días sin anotar en el último mes?",
            "¿Se guarda el cloro al sol, húmedo, destapado o junto a combustibles?",
            "¿Falta el comparador o las tiras para medir el cloro residual?",
            "¿No se detecta cloro residual en la toma más lejana el día de la visita?",
            "¿Está turbia el agua que se clora?",
            "¿Está abierto el lugar del clorador, sin techo o sin candado?",
            "¿Nadie del comité sabe preparar o ajustar la dosis?",
            "¿Se dejó de clorar algún día del último mes?",
        ],
        TEN,
    ),
    (
        "almacenamiento-hogar",
        "Almacenamiento de agua en el hogar",
        ["household"],
        [
            "¿Está destapado el recipiente (tambo, cubeta, tinaco o pila), o la tapa no cierra?",
            "¿Se saca el agua metiendo un vaso, una jícara o las manos?",
            "¿Le falta llave al recipiente del agua para beber?",
            "¿Está el recipiente en el suelo o al alcance de animales?",
            "¿Se ve suciedad, lama o larvas dentro del recipiente?",
            "¿Lleva más de un mes sin lavarse el recipiente?",
            "¿Se usó antes el recipiente para químicos, combustibles o agroquímicos?",
            "¿Se guarda el agua más de una semana?",
            "¿Está sucio o encharcado el lugar alrededor del recipiente?",
            "¿Se mezcla en el mismo recipiente agua de distintas fuentes?",
        ],
        TEN,
    ),
]


def seed(apps, schema_editor):
    InspectionForm = apps.get_model("monitoring", "InspectionForm")
    SystemVisit = apps.get_model("monitoring", "SystemVisit")
    InspectionForm.objects.filter(source_note=OLD_SOURCE_NOTE).update(source_note=SOURCE_NOTE)
    used = set(SystemVisit.objects.values_list("inspection_form", flat=True))
    for code, name, kinds, questions, bands in FORMS:
        form, created = InspectionForm.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "system_kinds": kinds,
                "version": VERSION,
                "source_note": SOURCE_NOTE,
            },
        )
        if not created and form.pk in used:
            continue  # its visits were scored with the questions and bands it has
        for number, text in enumerate(questions, start=1):
            form.questions.update_or_create(number=number, defaults={"text": text})
        if created or not form.bands.exists():
            for low, high, risk in bands:
                form.bands.create(min_score=low, max_score=high, risk=risk)


def unseed(apps, schema_editor):
    InspectionForm = apps.get_model("monitoring", "InspectionForm")
    SystemVisit = apps.get_model("monitoring", "SystemVisit")
    used = SystemVisit.objects.values("inspection_form")
    codes = [code for code, *_rest in FORMS]
    InspectionForm.objects.filter(code__in=codes).exclude(pk__in=used).delete()
    InspectionForm.objects.filter(source_note=SOURCE_NOTE).update(source_note=OLD_SOURCE_NOTE)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_health_centre_jmp_fields")]

    operations = [migrations.RunPython(seed, unseed)]
