"""A threshold change previewed before it applies, then applied: stored on the model, re-matched in batch."""

import pytest
from django.core.exceptions import ValidationError

from matching import tasks
from matching.model_store import domain_model
from matching.models import MatchModel, RulePreview
from matching.rule_change import rule_change_apply, rule_preview_start, thresholds_checked
from mdm.models import CrossReference, Customer, SourceRecord
from mdm.services.ingest import source_records_ingest
from tests.conftest import record
from tests.matching.test_resolution import firms

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_account(hub):
    """The first firm's holding, typed into the CRM as an account of its own: the model gives
    it 40 % with the firm (below the review threshold), so it stays a golden record apart."""
    firm = firms(60)[0]
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("002X", name=f"{firm['name']} Holding", country="Deutschland", city=firm["city"], phone="030 1111111")])
    return SourceRecord.objects.get(source_id="002X").xref.golden_id


def links():
    return sorted(CrossReference.objects.values_list("source_record_id", "golden_id"))


@pytest.mark.parametrize(("upper", "lower", "field"), [("x", 0.5, "upper"), (0.9, 1.5, "lower"), (0, 0.5, "upper"),
                                                       (0.6, 0.8, "lower"), (None, 0.5, "upper")])
def test_thresholds_are_two_probabilities_the_review_one_not_above_the_link_one(upper, lower, field):
    with pytest.raises(ValidationError) as error:
        thresholds_checked(upper, lower)
    assert field in error.value.message_dict


def test_thresholds_as_text_are_read():
    assert thresholds_checked("0.95", "0.4") == (0.95, 0.4)


def test_a_preview_counts_the_merges_and_shows_examples_and_changes_nothing(second_account, alice):
    before, stored = links(), list(MatchModel.objects.values_list("upper_threshold", "lower_threshold"))
    preview = rule_preview_start(domain="customer", upper=0.3, lower=0.2, acting_user=alice)
    assert preview.status == RulePreview.Status.DONE
    result = preview.result
    assert result["merges"] >= 1 and result["records"] == 121
    assert result["golden_after"] == result["golden_before"] + result["splits"] - result["merges"]
    example = next(e for e in result["merge_examples"] if second_account in (e["survivor"], e["merged"]))
    assert example["merged"] == second_account and example["survivor_label"]  # the older firm survives
    assert Customer.objects.filter(pk__in=[example["survivor"], example["merged"]]).count() == 2
    assert links() == before
    assert list(MatchModel.objects.values_list("upper_threshold", "lower_threshold")) == stored


def test_a_preview_with_a_refit_fits_as_the_hub_would_and_stores_nothing(hub, alice):
    stored = list(MatchModel.objects.values_list("parameters", flat=True))
    preview = rule_preview_start(domain="customer", upper=0.9, lower=0.5, refit=True, acting_user=alice)
    assert preview.status == RulePreview.Status.DONE and preview.result["merges"] == 0
    assert list(MatchModel.objects.values_list("parameters", flat=True)) == stored


def test_a_large_domain_is_previewed_in_a_task_the_row_saying_how_far_it_got(hub, alice, settings, monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    settings.CONCORD_MATCH_INLINE_RECORDS = 10
    queued = []
    monkeypatch.setattr(tasks.rule_preview_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        preview = rule_preview_start(domain="customer", upper=0.95, lower=0.6, acting_user=alice)
    assert preview.status == RulePreview.Status.RUNNING and queued == [preview.pk]
    assert tasks.rule_preview_task.apply(args=[preview.pk]).get() == RulePreview.Status.DONE
    assert RulePreview.objects.get(pk=preview.pk).result["records"] == 120
    # A re-delivered task finds it done.
    assert tasks.rule_preview_task.apply(args=[preview.pk]).get() == RulePreview.Status.DONE


def test_applying_stores_the_thresholds_and_re_matches_as_previewed(second_account, alice):
    preview = rule_preview_start(domain="customer", upper=0.3, lower=0.2, acting_user=alice)
    said = rule_change_apply(domain="customer", upper=0.3, lower=0.2, acting_user=alice, reason="testing")
    assert f"{preview.result['merges']} merges" in said
    assert Customer.objects.filter(record_status="active").count() == preview.result["golden_after"]
    assert Customer.objects.get(pk=second_account).record_status == "merged"
    model = domain_model("customer")
    assert (model.upper, model.lower) == (0.3, 0.2)


def test_a_large_domain_is_re_matched_in_a_task_after_the_thresholds_are_stored(hub, alice, settings, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    settings.CONCORD_MATCH_INLINE_RECORDS = 10
    queued = []
    monkeypatch.setattr(tasks.domain_rematch_task, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        said = rule_change_apply(domain="customer", upper=0.95, lower=0.6, acting_user=alice)
    assert "in the background" in said and queued == [("customer", alice.pk, "match thresholds set to 0.95 / 0.6")]
    assert MatchModel.objects.get(domain="customer").upper_threshold == 0.95
    assert "re-matched in batch" in tasks.domain_rematch_task.apply(args=queued[0]).get()


def test_applying_with_a_refit_stores_the_model_fitted_on_the_current_records_with_the_thresholds(hub, alice):
    rule_change_apply(domain="customer", upper=0.97, lower=0.55, refit=True, acting_user=alice, reason="refit")
    stored = MatchModel.objects.get(domain="customer")
    assert stored.fitted_on == 120 and (stored.upper_threshold, stored.lower_threshold) == (0.97, 0.55)


def test_a_refit_the_records_cannot_bear_is_refused_and_nothing_is_stored(db, alice):
    with pytest.raises(ValidationError) as error:
        rule_change_apply(domain="project", upper=0.9, lower=0.5, refit=True, acting_user=alice)
    assert "refit" in error.value.message_dict and not MatchModel.objects.exists()
