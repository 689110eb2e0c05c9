"""On-demand evaluation (`manage.py quality_check`, the daily task), scores per domain and per
source system kept over time, and the figures /metrics and the operations dashboard show."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.utils import timezone

from mdm.services.ingest import source_records_ingest
from operations.registry import collect_all, sections
from quality.models import QualityRule, QualityScore, Violation, ViolationStatus
from quality.tasks import CHECK_SCHEDULE
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exact_key_matcher(settings):
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"


@pytest.fixture
def customers():
    # Salesforce: 3 of 4 pass. NetSuite: 1 of 2 pass (a JPY customer). Same companies are not shared.
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", tax_id="DE111111111", email="info@acme.de"),
        record("001B", name="Globex AG", country="DE", tax_id="DE222222222"),
        record("001C", name="Initech B.V.", country="NL"),
        record("001D", name="Hooli SAS", country="FR", email="hooli at example"),
    ])
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("C-1", "customer", name="Wayne B.V.", country="NL", currency="EUR"),
        record("C-2", "customer", name="Stark KK", country="NL", currency="JPY"),
    ])


def run(*args):
    out = StringIO()
    call_command("quality_check", *args, stdout=out)
    return out.getvalue()


def test_the_command_evaluates_on_demand_and_snapshots_scores_per_domain_and_system(customers):
    Violation.objects.all().delete()  # as if ingestion had not evaluated (CONCORD_QUALITY_ON_INGEST off)
    output = run("--domain", "customer")
    assert "customer: 6 golden records, 2 failing, 2 violations opened, 0 closed" in output
    assert "customer.email_format: 1" in output and "customer.billing_currency: 1" in output
    scores = {(s.scope, s.system): (s.records, s.passing) for s in QualityScore.objects.filter(domain="customer")}
    assert scores == {("golden", ""): (6, 4), ("system", "netsuite"): (2, 1), ("system", "salesforce"): (4, 3)}
    assert "score customer / salesforce: 75.0% (3 of 4 pass)" in output

    # Again: nothing new to open, and a second snapshot is kept beside the first.
    assert "0 violations opened, 0 closed" in run("--domain", "customer")
    assert Violation.objects.filter(status="open").count() == 2
    assert QualityScore.objects.filter(domain="customer", system="salesforce").count() == 2


def test_a_rule_switched_off_closes_its_violations_at_the_next_check(customers):
    QualityRule.objects.filter(code="customer.billing_currency").update(is_active=False)
    run()
    closed = Violation.objects.get(rule__code="customer.billing_currency")
    assert closed.status == ViolationStatus.RESOLVED and closed.note == "rule switched off"
    assert Violation.objects.filter(rule__code="customer.email_format", status="open").count() == 1


def test_the_command_refuses_an_unknown_domain():
    with pytest.raises(CommandError):
        run("--domain", "invoice")


def test_the_daily_check_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name=CHECK_SCHEDULE)
    assert task.task == "quality.check" and task.crontab.hour == "4"


def test_the_task_runs_the_same_check(customers):
    from quality.tasks import check

    result = check.apply(kwargs={"domain": "customer"}).get()
    assert result["customer"]["failing"] == 2
    assert QualityScore.objects.filter(domain="customer", scope="golden").exists()


def test_metrics_figures_and_dashboard_section_show_the_same_numbers(customers):
    run()
    Violation.objects.filter(rule__code="customer.billing_currency").update(
        status=ViolationStatus.RESOLVED, resolved_at=timezone.now())
    collected = collect_all()
    assert "quality" not in collected.failures
    by_name = {f.name: f for f in collected.figures}
    open_by_rule = {tuple(sorted(labels.items())): value
                    for labels, value in by_name["concord_quality_open_violations"].samples}
    assert open_by_rule == {(("domain", "customer"), ("rule", "customer.email_format"), ("severity", "warning")): 1.0}
    assert by_name["concord_quality_open_violations_by_age"].samples == [({"age": "under_1d", "owner": "stewards"}, 1.0)]
    golden = {labels["domain"]: value for labels, value in by_name["concord_quality_score"].samples}
    assert golden["customer"] == pytest.approx(5 / 6) and golden["project"] == 1.0
    systems = {(labels["domain"], labels["system"]): value for labels, value in by_name["concord_quality_source_score"].samples}
    assert systems == {("customer", "netsuite"): 0.5, ("customer", "salesforce"): 0.75}
    assert [labels for labels, _ in by_name["concord_quality_resolution_seconds_mean"].samples] == [{"domain": "customer"}]

    section = next(s for s in sections() if s.key == "quality")
    html = render_to_string(section.template, section.context(None))
    assert "83.3%" in html and "salesforce" in html and "stewards" in html


def test_a_rule_edited_in_the_admin_is_checked_before_it_is_saved():
    from django.core.exceptions import ValidationError

    rule = QualityRule.objects.get(code="customer.email_format")
    rule.params = {"pattern": "[unclosed"}
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "is not a regular expression" in str(error.value)


def test_loading_a_rules_file_with_a_bad_rule_changes_nothing(tmp_path, settings):
    bad = tmp_path / "rules.toml"
    bad.write_text('version = 2\n[customer.fine]\nkind = "required"\nattribute = "city"\n'
                   '[customer.broken]\nkind = "reference"\nattribute = "currency"\n')
    settings.CONCORD_QUALITY_RULES_FILE = bad
    before = QualityRule.objects.count()
    with pytest.raises(CommandError, match="customer.broken: a reference rule needs"):
        call_command("load_quality_rules", stdout=StringIO())
    assert QualityRule.objects.count() == before
    bad.write_text('version = 2\n[customer.fine]\nkind = "required"\nattribute = "city"\n')
    call_command("load_quality_rules", stdout=StringIO())
    assert QualityRule.objects.get(code="customer.fine").rules_version == 2
