"""Serializers for the registry API."""

from rest_framework import serializers

from ojodeagua.facilities.models import HealthCentre, School
from ojodeagua.facilities.views import HealthCentreForm, SchoolForm
from ojodeagua.places.models import Locality, Municipality
from ojodeagua.providers.models import Member, Provider
from ojodeagua.providers.views import ProviderForm
from ojodeagua.watersystems.models import Component, ServedLocality, Source, WaterSystem
from ojodeagua.watersystems.views import ComponentFormSet, ServedLocalityFormSet, SourceFormSet

from .base import ScopedSerializer


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "key", "name"]


class LocalitySerializer(serializers.ModelSerializer):
    municipality_key = serializers.CharField(source="municipality.key", read_only=True)

    class Meta:
        model = Locality
        fields = [
            "id",
            "key",
            "name",
            "municipality",
            "municipality_key",
            "area",
            "population",
            "dwellings",
            "inhabited_dwellings",
            "latitude",
            "longitude",
            "altitude",
            "catalogue_version",
        ]


# The API edits the same fields as the pages' forms.
class ProviderSerializer(ScopedSerializer):
    class Meta:
        model = Provider
        fields = ["id", *ProviderForm.Meta.fields]


class MemberSerializer(ScopedSerializer):
    class Meta:
        model = Member
        fields = ["id", "provider", "name", "role", "sex", "term_start", "term_end"]


class SourceSerializer(ScopedSerializer):
    class Meta:
        model = Source
        fields = ["id", "system", *SourceFormSet.form._meta.fields]


class ComponentSerializer(ScopedSerializer):
    class Meta:
        model = Component
        fields = ["id", "system", *ComponentFormSet.form._meta.fields]


class ServedLocalitySerializer(ScopedSerializer):
    class Meta:
        model = ServedLocality
        fields = ["id", "system", *ServedLocalityFormSet.form._meta.fields]


class WaterSystemSerializer(ScopedSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    components = ComponentSerializer(many=True, read_only=True)
    served_localities = ServedLocalitySerializer(many=True, read_only=True)

    class Meta:
        model = WaterSystem
        fields = [
            "id",
            "name",
            "kind",
            "provider",
            "locality",
            "municipality",
            "latitude",
            "longitude",
            "construction_year",
            "design_yield_lps",
            "design_households",
            "chlorinates",
            "notes",
            "sources",
            "components",
            "served_localities",
        ]
        read_only_fields = ["municipality"]


class SchoolSerializer(ScopedSerializer):
    class Meta:
        model = School
        fields = ["id", *SchoolForm.Meta.fields]


class HealthCentreSerializer(ScopedSerializer):
    class Meta:
        model = HealthCentre
        fields = ["id", *HealthCentreForm.Meta.fields]
