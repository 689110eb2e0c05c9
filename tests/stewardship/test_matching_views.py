"""The console's matching pages: the teach queue, model quality, previewing and applying a threshold
change — each renders, each action goes through its service, and refusals are 403s."""

from pathlib import Path

import pytest
from django.urls import reverse

from matching.model_store import domain_model
from matching.models import LabelRequest, MatchDecision, MatchModel, RulePreview
from matching.rule_change import rule_preview_start
from matching.teaching import Why, model_key
from mdm.choices import GoldenStatus
from mdm.models import CrossReference, Customer, SourceRecord
from stewardship.models import ChangeRequest, ChangeStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"stewardship:{name}", args=args)


def question(system_a, id_a, system_b, id_b, why=Why.BOUNDARY):
    """A teach question about two source records of the world, asked under the current model."""
    a, b = (SourceRecord.objects.select_related("system").get(system__name=s, source_id=i)
            for s, i in ((system_a, id_a), (system_b, id_b)))
    a, b = sorted((a, b), key=str)
    golden = dict(CrossReference.objects.filter(source_record__in=[a, b]).values_list("source_record_id", "golden_id"))
    return LabelRequest.objects.create(domain="customer", key_a=str(a), key_b=str(b), source_a=a, source_b=b,
                                       golden_id_a=golden[a.pk], golden_id_b=golden[b.pk], probability=0.7, why=why,
                                       model_key=model_key(domain_model("customer")), levels={"name": "similar"})


@pytest.fixture
def preview(world, users):
    return rule_preview_start(domain="customer", upper=0.95, lower=0.6, acting_user=users["council"])


# --- pages render ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["steward_customers", "council", "auditor", "admin"])
def test_it_renders_every_matching_page(world, as_user, preview, name):
    question("salesforce", "001C", "netsuite", "C-3")
    client = as_user(name)
    for path in [url("teach_queue"), url("model_overview"), url("model_detail", "customer"),
                 url("rule_preview", "customer"), url("rule_preview_detail", "customer", preview.pk)]:
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)


def test_a_steward_of_another_domain_gets_403_on_every_customer_page_and_action(world, as_user, preview):
    q = question("salesforce", "001C", "netsuite", "C-3")
    client = as_user("steward_projects")
    assert client.get(url("model_detail", "customer")).status_code == 403
    assert client.get(url("rule_preview", "customer")).status_code == 403
    assert client.get(url("rule_preview_detail", "customer", preview.pk)).status_code == 403
    assert client.post(url("teach_answer", q.pk, "same")).status_code == 403
    assert client.post(url("teach_draw"), {"domain": "customer"}).status_code == 403
    assert client.post(url("rule_preview", "customer"), {"upper": "0.9", "lower": "0.5"}).status_code == 403
    assert client.post(url("rule_apply", "customer", preview.pk), {"reason": "x"}).status_code == 403
    assert not client.get(url("teach_queue")).context["cards"]  # her queue holds no customer question
    assert LabelRequest.objects.get(pk=q.pk).answer == ""


def test_the_auditor_sees_but_cannot_answer_ask_preview_or_apply(world, as_user, preview):
    q = question("salesforce", "001C", "netsuite", "C-3")
    client = as_user("auditor")
    page = client.get(url("teach_queue"))
    assert [card["q"].pk for card in page.context["cards"]] == [q.pk] and b"read only" in page.content
    assert client.post(url("teach_answer", q.pk, "not-same")).status_code == 403
    assert client.post(url("teach_draw"), {"domain": "customer"}).status_code == 403
    assert client.post(url("rule_preview", "customer"), {"upper": "0.9", "lower": "0.5"}).status_code == 403
    assert client.post(url("rule_apply", "customer", preview.pk), {"reason": "x"}).status_code == 403
    assert b"Read only" in client.get(url("rule_preview", "customer")).content
    assert LabelRequest.objects.get(pk=q.pk).answer == "" and not ChangeRequest.objects.exists()


# --- the teach queue ---------------------------------------------------------------------------

def test_home_shows_the_teach_queue_when_questions_wait(world, as_user):
    assert "teach" not in {q.key for q in as_user("steward_customers").get(url("home")).context["queues"]}
    question("salesforce", "001C", "netsuite", "C-3")
    question("salesforce", "001E", "netsuite", "C-5")  # outside her countries
    queues = {q.key: q for q in as_user("steward_customers").get(url("home")).context["queues"]}
    assert queues["teach"].total == 1


def test_the_queue_shows_only_the_stewards_countries(world, as_user):
    mine = question("salesforce", "001C", "netsuite", "C-3")
    british = question("salesforce", "001E", "netsuite", "C-5")
    response = as_user("steward_customers").get(url("teach_queue"))
    assert [card["q"].pk for card in response.context["cards"]] == [mine.pk]
    assert as_user("steward_customers").post(url("teach_answer", british.pk, "same")).status_code == 403


def test_not_the_same_is_remembered_and_the_card_says_so(world, as_user, users):
    q = question("salesforce", "001D", "netsuite", "C-4")
    response = as_user("steward_customers").post(url("teach_answer", q.pk, "not-same"), {"note": "two firms"}, **HTMX)
    assert response.status_code == 200 and b"Not the same" in response.content
    assert b"the model gave 70%" in response.content  # its score shows once answered
    decision = MatchDecision.objects.get(key_a=q.key_a, key_b=q.key_b)
    assert decision.verdict == "not_match" and decision.decided_by == users["steward_customers"]
    assert decision.reason == "two firms"


def test_not_the_same_inside_one_golden_record_says_the_next_re_match_parts_them(world, as_user):
    q = question("salesforce", "001A", "netsuite", "C-1")
    assert q.golden_id_a == q.golden_id_b == world.acme.id
    response = as_user("steward_customers").post(url("teach_answer", q.pk, "not-same"), **HTMX)
    assert b"next re-match" in response.content
    assert Customer.objects.get(pk=world.acme.id).record_status == GoldenStatus.ACTIVE


def test_the_same_across_two_golden_records_merges_them_like_an_accepted_candidate(world, as_user, users):
    q = question("salesforce", "001C", "netsuite", "C-3")
    response = as_user("steward_customers").post(url("teach_answer", q.pk, "same"), **HTMX)
    assert b"merged into" in response.content
    stark = {world.stark_sf.id, world.stark_ns.id}
    merged = Customer.objects.filter(pk__in=stark, record_status=GoldenStatus.MERGED).get()
    assert merged.history.latest().history_user == users["steward_customers"]
    assert MatchDecision.objects.filter(verdict="match").exists()


def test_the_same_of_two_customers_with_contracts_waits_for_the_council(world, as_user):
    q = question("salesforce", "001B", "netsuite", "C-2")
    response = as_user("steward_customers").post(url("teach_answer", q.pk, "same"), **HTMX)
    assert b"council" in response.content
    assert ChangeRequest.objects.get().payload["action"] == "merge"
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == GoldenStatus.ACTIVE
    assert not MatchDecision.objects.exists()  # remembered once the council approves the merge


def test_an_answered_question_cannot_be_answered_again(world, as_user):
    q = question("salesforce", "001D", "netsuite", "C-4")
    client = as_user("steward_customers")
    client.post(url("teach_answer", q.pk, "unsure"))
    response = client.post(url("teach_answer", q.pk, "same"), **HTMX)
    assert b"no open question" in response.content
    assert LabelRequest.objects.get(pk=q.pk).answer == "unsure"


def test_asking_for_more_draws_questions_from_the_domain(world, as_user):
    response = as_user("steward_customers").post(url("teach_draw"), {"domain": "customer"})
    assert response.status_code == 302 and response["Location"].endswith("?domain=customer")
    assert set(LabelRequest.objects.values_list("model_key", flat=True)) <= {model_key(domain_model("customer"))}


# --- model quality -----------------------------------------------------------------------------

def test_with_no_labels_the_quality_page_says_so_and_offers_the_queue(world, as_user):
    response = as_user("steward_customers").get(url("model_detail", "customer"))
    assert b'id="no-labels"' in response.content and b"Ask me about pairs" in response.content
    assert response.context["quality"].precision is None


def test_the_quality_page_estimates_precision_from_answered_checks(world, as_user, monkeypatch):
    monkeypatch.setattr("matching.estimates.MIN_CHECKS", 3)  # the world is small
    client = as_user("steward_customers")
    for pair in (("001A", "C-1"), ("001C", "C-3"), ("001D", "C-4")):
        q = question("salesforce", pair[0], "netsuite", pair[1], why=Why.AUDIT_LINK)
        LabelRequest.objects.filter(pk=q.pk).update(stratum_size=30)
        client.post(url("teach_answer", q.pk, "not-same" if pair[0] == "001D" else "same"))
    response = client.get(url("model_detail", "customer"))
    quality = response.context["quality"]
    assert quality.precision.value == pytest.approx(2 / 3) and quality.link_pairs == 30
    assert b"66.7 %" in response.content and b'id="no-labels"' not in response.content
    assert b"name" in response.content and b"exact" in response.content  # the per-field weights


def test_a_figure_waits_for_enough_answers(world, as_user):
    q = question("salesforce", "001A", "netsuite", "C-1", why=Why.AUDIT_LINK)
    as_user("steward_customers").post(url("teach_answer", q.pk, "same"))
    response = as_user("steward_customers").get(url("model_detail", "customer"))
    assert response.context["quality"].precision is None
    assert b"Too few answers yet" in response.content and b"(1 of links" in response.content


# --- previewing and applying -------------------------------------------------------------------

def test_a_preview_is_computed_in_the_request_for_a_small_domain(world, as_user, users):
    response = as_user("steward_customers").post(url("rule_preview", "customer"), {"upper": "0.95", "lower": "0.6"})
    preview = RulePreview.objects.get()
    assert response.status_code == 302 and response["Location"] == url("rule_preview_detail", "customer", preview.pk)
    assert preview.status == RulePreview.Status.DONE and preview.requested_by == users["steward_customers"]
    page = as_user("steward_customers").get(response["Location"])
    assert b'id="preview-figures"' in page.content and b"Would merge" in page.content


def test_a_proposal_that_is_not_two_thresholds_is_refused_with_the_reason(world, as_user):
    response = as_user("steward_customers").post(url("rule_preview", "customer"), {"upper": "0.5", "lower": "0.9"})
    assert response.status_code == 400 and b"cannot be above the link threshold" in response.content
    assert not RulePreview.objects.exists()


def test_a_preview_still_computing_is_followed_by_the_page(world, as_user, users):
    running = RulePreview.objects.create(domain="customer", upper=0.9, lower=0.5, model_key="k",
                                         requested_by=users["council"])
    response = as_user("council").get(url("rule_preview_detail", "customer", running.pk), **HTMX)
    assert b'id="preview-running"' in response.content and b'hx-trigger="every 2s"' in response.content


def test_applying_is_governed_by_the_council_by_default(world, as_user, preview, users):
    response = as_user("council").post(url("rule_apply", "customer", preview.pk), {"reason": "fewer wrong links"})
    assert response.status_code == 302
    request = ChangeRequest.objects.get()
    assert request.payload == {"action": "match_rules", "upper": 0.95, "lower": 0.6, "refit": False,
                               "preview_id": preview.pk}
    assert not MatchModel.objects.filter(domain="customer").exists()  # nothing applied yet
    council_page = as_user("council2").get(url("council"))
    assert b"set the match thresholds to link" in council_page.content and b"all customer records" in council_page.content
    # Four-eyes: the one who asked cannot approve; another member's approval applies it.
    assert as_user("council").post(url("council_decide", request.pk, "approve")).status_code == 403
    as_user("council2").post(url("council_decide", request.pk, "approve"), {"comment": "ok"})
    assert ChangeRequest.objects.get().status == ChangeStatus.APPROVED
    model = domain_model("customer")
    assert (model.upper, model.lower) == (0.95, 0.6)


def test_a_second_request_for_the_same_domain_waits_for_the_first(world, as_user, preview):
    client = as_user("council")
    client.post(url("rule_apply", "customer", preview.pk), {"reason": "first"})
    response = client.post(url("rule_apply", "customer", preview.pk), {"reason": "again"})
    assert response.status_code == 400 and b"already waits for the council" in response.content
    assert ChangeRequest.objects.count() == 1


def test_thresholds_are_applied_by_a_steward_of_every_country_where_the_policy_says_so(world, as_user, settings,
                                                                                     tmp_path, users):
    policy = Path(settings.CONCORD_POLICY_FILE).read_text().replace('match_rules = "council"', 'match_rules = "steward"')
    settings.CONCORD_POLICY_FILE = tmp_path / "policy.toml"
    settings.CONCORD_POLICY_FILE.write_text(policy)
    preview = rule_preview_start(domain="customer", upper=0.95, lower=0.6, acting_user=users["council"])
    # Her countries are three of the domain's: thresholds hold for all of them.
    assert as_user("steward_customers").post(url("rule_apply", "customer", preview.pk),
                                             {"reason": "x"}).status_code == 403
    response = as_user("admin").post(url("rule_apply", "customer", preview.pk), {"reason": "audit says so"})
    assert response.status_code == 302 and not ChangeRequest.objects.exists()
    assert MatchModel.objects.get(domain="customer").upper_threshold == 0.95


def test_a_preview_made_under_another_model_cannot_be_applied(world, as_user, preview):
    MatchModel.objects.create(domain="customer", parameters=domain_model("customer").to_dict(),
                              upper_threshold=0.8, lower_threshold=0.4)
    response = as_user("council").post(url("rule_apply", "customer", preview.pk), {"reason": "late"})
    assert response.status_code == 400 and b"preview the change again" in response.content
    assert not ChangeRequest.objects.exists()


# --- the API -----------------------------------------------------------------------------------

def api_url(name, *args):
    return reverse(f"stewardship:{name}", args=args)


def test_the_api_previews_a_proposal_with_counts_and_examples(world, api, users):
    response = api.as_user(users["steward_customers"]).post(api_url("api-rule-preview", "customer"),
                                                            {"upper": 0.95, "lower": 0.6}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "done" and body["records"] == 10
    assert {"merges", "splits", "golden_before", "golden_after", "review_pairs", "merge_examples",
            "split_examples"} <= set(body)
    again = api.get(body["url"])
    assert again.status_code == 200 and again.json()["id"] == body["id"]


@pytest.mark.parametrize(("payload", "field"), [({"upper": "high", "lower": 0.5}, "upper"),
                                                ({"lower": 0.5}, "upper"), ({"upper": 0.4, "lower": 0.6}, "lower")])
def test_the_api_refuses_a_bad_proposal_with_field_errors(world, api, users, payload, field):
    response = api.as_user(users["steward_customers"]).post(api_url("api-rule-preview", "customer"), payload,
                                                            format="json")
    assert response.status_code == 400 and field in response.json()
    assert not RulePreview.objects.exists()


def test_the_api_checks_who_may_preview_and_apply(world, api, users, preview):
    for name in ("steward_projects", "auditor", "integration"):
        client = api.as_user(users[name])
        assert client.post(api_url("api-rule-preview", "customer"), {"upper": 0.9, "lower": 0.5},
                           format="json").status_code == 403
        assert client.post(api_url("api-rule-apply", "customer", preview.pk), {"reason": "x"},
                           format="json").status_code == 403
    assert api.as_user(users["auditor"]).get(api_url("api-rule-preview-detail", "customer", preview.pk)).status_code == 200
    assert api.as_user(users["steward_customers"]).post(api_url("api-rule-apply", "customer", preview.pk),
                                                        {"reason": "x"}, format="json").status_code == 403
    assert api.as_user(users["council"]).get(api_url("api-rule-preview-detail", "nothing", 1)).status_code == 404


def test_the_api_applies_through_the_council_where_the_policy_says_so(world, api, users, preview):
    response = api.as_user(users["council"]).post(api_url("api-rule-apply", "customer", preview.pk),
                                                  {"reason": "fewer wrong links"}, format="json")
    assert response.status_code == 202 and response.json()["change_request"] == ChangeRequest.objects.get().pk
    missing = api.as_user(users["council"]).post(api_url("api-rule-apply", "customer", preview.pk), {},
                                                 format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
