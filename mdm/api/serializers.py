from rest_framework import serializers

from mdm.canonical import attribute_names
from mdm.models import Contract, CrossReference, Customer, Project, Resource, SourceRecord

_COMMON = ["id", "record_status", "merged_into", "revision", "created_at", "updated_at"]


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [*_COMMON, *attribute_names("customer")]


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = [*_COMMON, "version", *attribute_names("contract")]


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = [*_COMMON, *attribute_names("project")]


class ResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = [*_COMMON, *attribute_names("resource")]


class SourceSerializer(serializers.Serializer):
    """A contributing source record, as the golden record's detail shows it (from
    mdm.selectors.source_rows)."""

    system = serializers.CharField()
    object_type = serializers.CharField()
    source_id = serializers.CharField()
    source_updated_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    is_deleted = serializers.BooleanField()
    linked_by = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    linked_at = serializers.DateTimeField()
    values = serializers.JSONField()


class CrossReferenceSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="source_record.system.name")
    object_type = serializers.CharField(source="source_record.object_type")
    source_id = serializers.CharField(source="source_record.source_id")

    class Meta:
        model = CrossReference
        fields = ["system", "object_type", "source_id", "domain", "golden_id", "linked_by", "linked_at"]


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField()
    history_user = serializers.CharField(allow_null=True)
    history_change_reason = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


class MatchResultSerializer(serializers.Serializer):
    golden_id = serializers.CharField()
    score = serializers.FloatField()
    decision = serializers.CharField()
    rule = serializers.CharField()
    contributions = serializers.DictField(child=serializers.FloatField())
    record = serializers.DictField()


class IngestRequestSerializer(serializers.Serializer):
    system = serializers.SlugField()
    records = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=5000)


__all__ = ["SourceRecord"]
