"""Registry API viewsets; each one filters by the user's scope before anything else."""

import django_filters

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.facilities.views import HealthCentreFilter, SchoolFilter
from ojodeagua.pages.filters import visible
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.places.views import LocalityFilter
from ojodeagua.providers.models import Member, Provider
from ojodeagua.providers.views import ProviderFilter
from ojodeagua.watersystems.models import Component, ServedLocality, Source, WaterSystem
from ojodeagua.watersystems.views import WaterSystemFilter

from . import serializers
from .base import ScopedReadOnlyViewSet, ScopedViewSet
from .desk import DeskExports


class MunicipalityViewSet(DeskExports, ScopedReadOnlyViewSet):
    queryset = Municipality.objects.all()
    serializer_class = serializers.MunicipalitySerializer


class LocalityViewSet(ScopedReadOnlyViewSet):
    queryset = Locality.objects.all()
    serializer_class = serializers.LocalitySerializer
    filterset_class = LocalityFilter
    select_related = ("municipality",)


class ProviderViewSet(ScopedViewSet):
    queryset = Provider.objects.all()
    serializer_class = serializers.ProviderSerializer
    filterset_class = ProviderFilter


class MemberFilter(django_filters.FilterSet):
    provider = django_filters.ModelChoiceFilter(queryset=visible(Provider))

    class Meta:
        model = Member
        fields = ["provider"]


def system_part_filter(part_model):
    class SystemPartFilter(django_filters.FilterSet):
        system = django_filters.ModelChoiceFilter(queryset=visible(WaterSystem))

        class Meta:
            model = part_model
            fields = ["system"]

    return SystemPartFilter


class MemberViewSet(ScopedViewSet):
    """Committee members: personal data, visible only inside the provider's scope."""

    queryset = Member.objects.all()
    serializer_class = serializers.MemberSerializer
    filterset_class = MemberFilter
    select_related = ("provider",)
    # A committee adds its own members; the provider field only offers editable providers.
    creation_needs_creator_role = False


class WaterSystemViewSet(ScopedViewSet):
    queryset = WaterSystem.objects.all()
    serializer_class = serializers.WaterSystemSerializer
    filterset_class = WaterSystemFilter
    select_related = ("provider", "locality")

    def get_queryset(self):
        return super().get_queryset().prefetch_related("sources", "components", "served_localities")


class SystemPartViewSet(ScopedViewSet):
    """Sources, components and served localities: whoever may edit the system edits these."""

    select_related = ("system",)
    creation_needs_creator_role = False


class SourceViewSet(SystemPartViewSet):
    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    filterset_class = system_part_filter(Source)


class ComponentViewSet(SystemPartViewSet):
    queryset = Component.objects.all()
    serializer_class = serializers.ComponentSerializer
    filterset_class = system_part_filter(Component)


class ServedLocalityViewSet(SystemPartViewSet):
    queryset = ServedLocality.objects.all()
    serializer_class = serializers.ServedLocalitySerializer
    filterset_class = system_part_filter(ServedLocality)


class SchoolViewSet(ScopedViewSet):
    queryset = School.objects.all()
    serializer_class = serializers.SchoolSerializer
    filterset_class = SchoolFilter


class HealthCentreViewSet(ScopedViewSet):
    queryset = HealthCentre.objects.all()
    serializer_class = serializers.HealthCentreSerializer
    filterset_class = HealthCentreFilter
