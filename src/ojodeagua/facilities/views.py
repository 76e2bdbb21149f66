"""School and health-centre pages: lists with search and filters, export, detail and edit."""

from ojodeagua.pages.entity import EntityPages, ExportColumn, SearchFilterSet
from ojodeagua.pages.forms import ScopedModelForm
from ojodeagua.places.filters import municipality_filter

from .models import HealthCentre, School

FACILITY_COLUMNS = [
    ExportColumn("id", lambda o: o.pk),
    ExportColumn("clave", lambda o: o.key),
    ExportColumn("nombre", lambda o: o.name),
    ExportColumn("cvegeo", lambda o: o.locality.key),
    ExportColumn("localidad", lambda o: o.locality.name),
    ExportColumn("sistema", lambda o: o.water_system.name if o.water_system else ""),
    ExportColumn("personal_mujeres", lambda o: o.staff_female),
    ExportColumn("personal_hombres", lambda o: o.staff_male),
]


class SchoolFilter(SearchFilterSet):
    municipality = municipality_filter("locality__municipality")

    class Meta:
        model = School
        fields = ["q", "municipality", "level"]


class HealthCentreFilter(SearchFilterSet):
    municipality = municipality_filter("locality__municipality")

    class Meta:
        model = HealthCentre
        fields = ["q", "municipality"]


class SchoolForm(ScopedModelForm):
    class Meta:
        model = School
        fields = [
            "name",
            "key",
            "level",
            "locality",
            "water_system",
            "students_female",
            "students_male",
            "staff_female",
            "staff_male",
            "notes",
        ]


class HealthCentreForm(ScopedModelForm):
    class Meta:
        model = HealthCentre
        fields = ["name", "key", "locality", "water_system", "staff_female", "staff_male", "notes"]


school_pages = EntityPages(
    model=School,
    slug="school",
    url_prefix="escuelas/",
    template_dir="facilities",
    filterset=SchoolFilter,
    form=SchoolForm,
    select_related=("locality", "water_system"),
    export_columns=[
        *FACILITY_COLUMNS,
        ExportColumn("nivel", lambda o: o.level),
        ExportColumn("alumnas", lambda o: o.students_female),
        ExportColumn("alumnos", lambda o: o.students_male),
    ],
)
health_centre_pages = EntityPages(
    model=HealthCentre,
    slug="healthcentre",
    url_prefix="centros-de-salud/",
    template_dir="facilities",
    filterset=HealthCentreFilter,
    form=HealthCentreForm,
    select_related=("locality", "water_system"),
    export_columns=FACILITY_COLUMNS,
)
