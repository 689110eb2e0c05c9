"""The configuration a batch applies, read once when it begins (mdm.configuration)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdm import configuration as configuration_module
from mdm.configuration import batch_configuration_read, batch_configuration_reader, hub_configuration_read
from mdm.models import SurvivorshipRule
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db

calls: list[str] = []


def _domain_reader(domain: str) -> str:
    calls.append(domain)
    return f"read for {domain}"


class _Matcher:
    @staticmethod
    def batch_configuration(domain):
        return f"model of {domain}"


def test_a_batch_reads_every_registered_reader_once_when_it_begins_and_keeps_the_answers(monkeypatch):
    monkeypatch.setattr(configuration_module, "_readers", dict(configuration_module._readers))  # this test's own
    calls.clear()
    batch_configuration_reader("test", _domain_reader)
    configuration = batch_configuration_read("customer", _Matcher)
    assert calls == ["customer"]  # read up front, before anything asked
    assert configuration.extras["test"] == "read for customer"
    assert configuration.matcher == "model of customer"
    assert calls == ["customer"]


def test_the_snapshot_is_frozen():
    configuration = hub_configuration_read("customer")
    with pytest.raises(AttributeError):
        configuration.domain = "project"  # type: ignore[misc]
    with pytest.raises(TypeError):
        configuration.attribute_rules["name"] = None  # type: ignore[index]


def test_outside_a_batch_only_the_hubs_own_part_is_read():
    calls.clear()
    configuration = hub_configuration_read("contract")
    assert calls == [] and configuration.matcher is None and not configuration.extras


def _reads_of(table: str, queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"])


def test_an_ingestion_batch_reads_its_survivorship_rules_once_however_many_rounds():
    # Three versions of one record: three rounds in one batch.
    versions = [record("001A", updated=at(day), name=f"Acme {day}", country="US") for day in (1, 2, 3)]
    with CaptureQueriesContext(connection) as queries:
        source_records_ingest(system="salesforce", domain="customer", records=versions)
    assert _reads_of(SurvivorshipRule._meta.db_table, queries) == 1
