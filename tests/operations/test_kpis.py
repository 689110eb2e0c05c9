"""KPI figures against real rows: auto-match rate, exception resolution time, steward throughput,
open exceptions by age and owner."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import CandidateStatus, MatchCandidate
from mdm.choices import QuarantineStatus
from mdm.models import CrossReference, QuarantinedRecord, SourceRecord
from operations.kpis import age_bucket, kpi_figures, open_exception_figures
from stewardship.models import ChangeRequest, ChangeStatus
from tests.operations.conftest import ago, value

pytestmark = pytest.mark.django_db


def link(system, source_id, linked_by, domain="customer"):
    record = SourceRecord.objects.create(system=system, domain=domain, object_type="Account", source_id=source_id,
                                         content_hash=source_id, received_at=timezone.now())
    return CrossReference.objects.create(source_record=record, domain=domain, golden_id=f"CUS-{source_id}",
                                         linked_by=linked_by)


def candidate(a, b, *, status=CandidateStatus.OPEN, created=None, decided=None, by=None, assigned=None):
    row = MatchCandidate.objects.create(domain="customer", golden_id_a=a, golden_id_b=b, score=0.7, status=status,
                                        decided_at=decided, decided_by=by, assigned_to=assigned)
    if created is not None:
        MatchCandidate.objects.filter(pk=row.pk).update(created_at=created)
    return row


def test_auto_match_rate_is_auto_links_over_auto_links_and_reviews(crm):
    for n in range(3):
        link(crm, f"a{n}", "exact tax id")
    link(crm, "n1", "new")  # a new golden record: no match was made
    link(crm, "s1", "steward decision")  # a steward's hand, not the matcher's
    candidate("CUS-A", "CUS-B")  # sent to review

    figures = kpi_figures()
    assert value(figures, "concord_auto_linked_24h", domain="customer") == 3
    assert value(figures, "concord_sent_to_review_24h", domain="customer") == 1
    assert value(figures, "concord_auto_match_rate", domain="customer") == pytest.approx(0.75)


def test_links_and_reviews_older_than_a_day_do_not_count(crm, now):
    xref = link(crm, "old", "exact tax id")
    CrossReference.history.filter(id=xref.id).update(history_date=ago(now, days=2))
    candidate("CUS-A", "CUS-B", created=ago(now, days=2))
    figures = kpi_figures()
    assert value(figures, "concord_auto_match_rate", domain="customer") is None


def test_resolution_time_and_steward_throughput(crm, alice, dave, now):
    candidate("CUS-A", "CUS-B", status=CandidateStatus.ACCEPTED, created=ago(now, hours=3), decided=ago(now, hours=1),
              by=alice)
    candidate("CUS-C", "CUS-D", status=CandidateStatus.REJECTED, created=ago(now, hours=5), decided=ago(now, hours=1),
              by=alice)
    candidate("CUS-E", "CUS-F", status=CandidateStatus.REJECTED, created=ago(now, days=5), decided=ago(now, days=3),
              by=alice)  # decided before the window
    record = QuarantinedRecord.objects.create(system=crm, domain="customer", reason="no name", content_hash="q1",
                                              status=QuarantineStatus.DISCARDED, resolved_at=ago(now, minutes=30),
                                              resolved_by=alice)
    QuarantinedRecord.objects.filter(pk=record.pk).update(created_at=ago(now, minutes=90))
    ChangeRequest.objects.create(kind="override", domain="customer", golden_id="CUS-A", requested_by=alice,
                                 reason="typo", status=ChangeStatus.APPROVED, decided_by=dave,
                                 decided_at=ago(now, hours=2))

    figures = kpi_figures()
    assert value(figures, "concord_exception_resolution_seconds", kind="match_review") == pytest.approx(3 * 3600)
    assert value(figures, "concord_exception_resolution_seconds", kind="quarantine") == pytest.approx(3600)
    assert value(figures, "concord_steward_decisions_24h", steward="alice", kind="match") == 2
    assert value(figures, "concord_steward_decisions_24h", steward="alice", kind="quarantine") == 1
    assert value(figures, "concord_steward_decisions_24h", steward="dave", kind="change_request") == 1


def test_open_exceptions_by_age_and_owner(crm, alice, now):
    candidate("CUS-A", "CUS-B", created=ago(now, hours=2), assigned=alice)
    candidate("CUS-C", "CUS-D", created=ago(now, days=2))
    candidate("CUS-E", "CUS-F", created=ago(now, days=10))
    candidate("CUS-G", "CUS-H", status=CandidateStatus.ACCEPTED, created=ago(now, days=10))  # closed
    record = QuarantinedRecord.objects.create(system=crm, domain="customer", reason="no name", content_hash="q")
    QuarantinedRecord.objects.filter(pk=record.pk).update(created_at=ago(now, days=4))

    figures = open_exception_figures(now)
    assert value(figures, "concord_open_exceptions", kind="match_review", age="under_1d", owner="alice") == 1
    assert value(figures, "concord_open_exceptions", kind="match_review", age="1d_to_3d", owner="unassigned") == 1
    assert value(figures, "concord_open_exceptions", kind="match_review", age="over_7d", owner="unassigned") == 1
    assert value(figures, "concord_open_exceptions", kind="quarantine", age="3d_to_7d", owner="unassigned") == 1
    assert sum(v for _, v in figures[0].samples) == 4


def test_age_buckets():
    assert age_bucket(timedelta(hours=1)) == "under_1d"
    assert age_bucket(timedelta(days=1)) == "1d_to_3d"
    assert age_bucket(timedelta(days=6)) == "3d_to_7d"
    assert age_bucket(timedelta(days=30)) == "over_7d"
