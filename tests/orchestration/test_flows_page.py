"""The flows page as a work list: grouped by where the flows stand, paged, sorted, bulk actions
that say what they do; for those who may see contracts only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from orchestration.models import Flow
from tests.stewardship.scenario import demo_users

pytestmark = pytest.mark.django_db
PAGE = reverse("orchestration:flows")


@pytest.fixture
def flows(db):
    demo_users()
    start = datetime(2026, 9, 1, tzinfo=UTC)
    states = [("failed", "billing_schedule")] * 3 + [("failed", "project")] * 2 + [("done", "")] * 4
    return [Flow.objects.create(crm_system="salesforce", opportunity_id=f"OPP-{i}", opportunity_name=f"Deal {i}",
                                correlation_id=f"c-{i}", state=state, current_step=step,
                                closed_won_at=start + timedelta(days=i)) for i, (state, step) in enumerate(states)]


@pytest.fixture
def council(client, flows):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="council"))
    return client


def test_flows_group_by_where_they_failed(council):
    groups = {g["label"]: g["count"] for g in council.get(PAGE).context["groups"]}
    assert groups == {"failed at ERP billing schedule": 3, "failed at PSA project": 2, "done": 4}
    narrowed = council.get(PAGE, {"state": "failed", "step": "project"})
    assert [f.opportunity_id for f in narrowed.context["flows"]] == ["OPP-4", "OPP-3"]


def test_flows_are_paged_and_sorted(council, monkeypatch):
    monkeypatch.setattr("orchestration.views.PER_PAGE", 4)
    first = council.get(PAGE, {"sort": "closed_won"}).context
    assert [f.opportunity_id for f in first["flows"]] == ["OPP-0", "OPP-1", "OPP-2", "OPP-3"]
    assert first["page"].pages == 3
    assert council.get(PAGE, {"sort": "nonsense"}).status_code == 400


def test_the_bulk_bar_says_which_flows_a_replay_would_touch(council, flows):
    response = council.post(reverse("orchestration:flows_bulk"), {
        "preview": "1", "item": [flows[0].pk, flows[8].pk]}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Replay: 1 failed flow resume" in text and "1 of those ticked did not fail" in text


def test_a_project_steward_sees_the_flows_but_acting_takes_the_contract_domain(client, flows):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="steward_customers"))
    assert client.get(PAGE).status_code == 403  # neither contracts nor projects
    client.force_login(get_user_model().objects.get(username="steward_projects"))
    assert client.get(PAGE).status_code == 200  # a flow makes a project: hers to see
    assert client.post(reverse("orchestration:flows_bulk"), {"verb": "replay", "item": [flows[0].pk]}).status_code == 403
