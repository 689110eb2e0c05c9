"""The teaching tests' world: a matched hub, its source records, questions made by hand."""

import pytest

from matching.models import LabelRequest
from matching.teaching import Why
from mdm.models import SourceRecord
from mdm.services.ingest import source_records_ingest
from tests.matching.test_resolution import load


@pytest.fixture
def hub(db, settings):
    """60 firms in a CRM and an ERP, matched (each firm one golden record of two source records)."""
    settings.CONCORD_MATCH_FIT_MIN_RECORDS = 50
    crm, erp = load(60)
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    source_records_ingest(system="netsuite", domain="customer", records=erp)


def source(source_id, system="salesforce"):
    return SourceRecord.objects.select_related("system", "xref").get(source_id=source_id, system__name=system)


def question(a, b, why=Why.BOUNDARY, probability=0.6, model_key="k"):
    (key_a, ra), (key_b, rb) = sorted([(str(a), a), (str(b), b)])
    return LabelRequest.objects.create(domain="customer", key_a=key_a, key_b=key_b, source_a=ra, source_b=rb,
                                       golden_id_a=ra.xref.golden_id, golden_id_b=rb.xref.golden_id,
                                       probability=probability, why=why, model_key=model_key)


