"""The console over what the configured (statistical) matcher really produces from the demo data."""

import pytest
from django.urls import reverse

from matching.models import CandidateStatus, MatchCandidate
from mdm.demo_data import demo_records
from mdm.permissions import restrict
from mdm.services.ingest import source_records_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exact_key_matcher():
    """Keep the configured matcher here (overrides the package's fixture)."""


def test_the_review_queue_shows_what_the_configured_matcher_proposes(as_user, users, django_assert_max_num_queries):
    records = demo_records(seed=7, customers=60)
    for system in ("netsuite", "salesforce"):
        source_records_ingest(system=system, domain="customer", records=records[(system, "customer")])
    council = as_user("council")
    with django_assert_max_num_queries(30):
        response = council.get(reverse("stewardship:match_queue"))
    assert response.status_code == 200
    visible = restrict(MatchCandidate.objects.filter(status=CandidateStatus.OPEN), users["council"], "view")
    assert len(response.context["cards"]) == min(visible.count(), 50)
    card = next(iter(response.context["cards"]), None)
    if card is not None:  # whatever the matcher proposes can be decided from the console
        response = council.post(reverse("stewardship:match_decide", args=[card["candidate"].pk, "reject"]))
        assert MatchCandidate.objects.get(pk=card["candidate"].pk).status == CandidateStatus.REJECTED
