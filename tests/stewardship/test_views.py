"""The console's pages and actions: each renders, each action goes through its service and leaves
history naming who and why, and refusals are 403s."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import CandidateStatus, MatchCandidate, MatchDecision
from mdm.choices import GoldenStatus, OutboxStatus, QuarantineStatus
from mdm.models import AttributeOverride, Contract, Customer, MergeEvent, OutboxMessage, QuarantinedRecord
from stewardship.models import ChangeRequest, ChangeStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"stewardship:{name}", args=args)


# --- pages render ------------------------------------------------------------------------------

def test_it_sends_anonymous_visitors_to_the_login_page(client, world):
    response = client.get(url("home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.parametrize("name", ["steward_customers", "council", "auditor", "admin"])
def test_it_renders_every_page(world, as_user, name):
    client = as_user(name)
    for path in [url("home"), url("match_queue"), url("golden", world.acme.id), url("exceptions"),
                 url("council"), url("search") + "?q=acme", url("quarantine_fix", world.quarantined.pk),
                 url("golden", world.project.id) if name != "steward_customers" else url("home")]:
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)


def test_it_renders_the_resolve_form_with_each_sources_value(world, as_user):
    response = as_user("steward_customers").get(url("resolve", world.acme.id, "city"))
    assert response.status_code == 200
    assert b"Berlin-Mitte" in response.content and b"salesforce:001A" in response.content


def test_home_counts_what_waits_by_queue_and_domain(world, as_user, settings):
    settings.CONCORD_STEWARD_SLA_HOURS = 1
    MatchCandidate.objects.filter(pk=world.stark_candidate.pk).update(created_at=timezone.now() - timedelta(hours=5))
    response = as_user("steward_customers").get(url("home"))
    queues = {q.key: q for q in response.context["queues"]}
    # Umbrella (GB) is outside her countries: three of the four candidates are hers.
    assert queues["match"].total == 3 and queues["match"].by_domain == {"customer": 3}
    assert queues["match"].overdue == 1
    assert queues["exceptions"].total == 2  # one quarantined record, one dead message
    assert queues["exceptions"].by_domain == {"customer": 2}
    assert "council" not in queues  # she cannot approve
    assert b"past 1h" in response.content
    council_queues = {q.key: q for q in as_user("council").get(url("home")).context["queues"]}
    assert council_queues["council"].total == 0


def test_golden_page_shows_lineage_sources_relations_and_history(world, as_user):
    response = as_user("steward_customers").get(url("golden", world.acme.id))
    html = response.content.decode()
    assert "Berlin-Mitte" in html and "Berlin" in html  # both sources' cities
    assert "trust" in html  # the rule that chose
    assert "K-1" in html and "P-1" in html  # contracts and projects
    assert "History" in html and "created" in html


def test_list_pages_use_a_bounded_number_of_queries(world, as_user, django_assert_max_num_queries):
    client = as_user("steward_customers")
    client.get(url("home"))  # warm the session
    for path in [url("match_queue"), url("exceptions"), url("council"), url("home")]:
        with django_assert_max_num_queries(25):
            assert client.get(path).status_code == 200


# --- match review ------------------------------------------------------------------------------

def test_review_queue_shows_only_the_stewards_countries(world, as_user):
    response = as_user("steward_customers").get(url("match_queue"))
    shown = {card["candidate"].pk for card in response.context["cards"]}
    assert world.umbrella_candidate.pk not in shown
    assert {world.stark_candidate.pk, world.wayne_candidate.pk, world.globex_candidate.pk} == shown
    assert b"agree" in response.content and b"differ" in response.content and b"+6.20" in response.content


def test_accept_merges_through_the_service_and_writes_history(world, as_user, users):
    response = as_user("steward_customers").post(url("match_decide", world.stark_candidate.pk, "accept"), **HTMX)
    assert response.status_code == 200 and b"Accepted" in response.content
    merged = Customer.objects.get(pk=world.stark_ns.id)
    assert merged.record_status == GoldenStatus.MERGED and merged.merged_into == world.stark_sf.id
    latest = merged.history.latest()
    assert latest.history_user == users["steward_customers"] and "merged into" in latest.history_change_reason
    assert MatchCandidate.objects.get(pk=world.stark_candidate.pk).status == CandidateStatus.ACCEPTED


def test_reject_is_remembered_as_not_a_match(world, as_user, users):
    as_user("steward_customers").post(url("match_decide", world.wayne_candidate.pk, "reject"))
    candidate = MatchCandidate.objects.get(pk=world.wayne_candidate.pk)
    assert candidate.status == CandidateStatus.REJECTED and candidate.decided_by == users["steward_customers"]
    assert MatchDecision.objects.filter(verdict="not_match", decided_by=users["steward_customers"]).exists()


def test_claim_and_assign(world, as_user, users):
    client = as_user("steward_customers")
    client.post(url("match_decide", world.wayne_candidate.pk, "claim"), **HTMX)
    assert MatchCandidate.objects.get(pk=world.wayne_candidate.pk).assigned_to == users["steward_customers"]
    client.post(url("match_decide", world.wayne_candidate.pk, "assign"), {"assignee": users["council"].pk}, **HTMX)
    assert MatchCandidate.objects.get(pk=world.wayne_candidate.pk).assigned_to == users["council"]
    history = MatchCandidate.objects.get(pk=world.wayne_candidate.pk).history.order_by("-history_date", "-history_id")
    assert [(h.history_user.username, h.history_change_reason) for h in history[:2]] == [
        ("steward_customers", "assigned to council"), ("steward_customers", "claimed")]


def test_bulk_reject_decides_every_selected_candidate(world, as_user):
    ids = [world.wayne_candidate.pk, world.stark_candidate.pk]
    response = as_user("steward_customers").post(url("match_bulk"), {"verb": "reject", "candidate": ids})
    assert response.status_code == 302
    assert set(MatchCandidate.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"rejected"}


def test_bulk_refuses_candidates_outside_the_stewards_reach(world, as_user):
    response = as_user("steward_customers").post(
        url("match_bulk"), {"verb": "accept", "candidate": [world.umbrella_candidate.pk]})
    assert response.status_code == 403
    assert MatchCandidate.objects.get(pk=world.umbrella_candidate.pk).status == "open"


def test_accepting_customers_that_both_have_contracts_asks_the_council(world, as_user, users):
    response = as_user("steward_customers").post(url("match_decide", world.globex_candidate.pk, "accept"), **HTMX)
    assert b"council" in response.content
    request = ChangeRequest.objects.get()
    assert request.payload["action"] == "merge" and request.requested_by == users["steward_customers"]
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == GoldenStatus.ACTIVE

    as_user("council").post(url("council_decide", request.pk, "approve"), {"comment": "checked invoices"})
    request.refresh_from_db()
    assert request.status == ChangeStatus.APPROVED and request.decided_by == users["council"]
    merged = Customer.objects.get(pk=world.globex_ns.id)
    assert merged.record_status == GoldenStatus.MERGED
    reason = merged.history.latest().history_change_reason
    assert f"change request #{request.pk}: requested by steward_customers, approved by council" in reason
    assert merged.history.latest().history_user == users["council"]
    assert set(Contract.objects.filter(customer_id=world.globex_sf.id).values_list("number", flat=True)) == {
        "K-2", "SF-800B"}


# --- conflict resolution -----------------------------------------------------------------------

def test_override_with_a_source_value_until_a_date(world, as_user, users):
    until = (timezone.now() + timedelta(days=30)).date().isoformat()
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "city"), {
        "choice": "src:0", "mode": "until_date", "until": until, "reason": "Berlin is the registered seat"})
    assert response.status_code == 302
    override = AttributeOverride.objects.get(golden_id=world.acme.id, attribute="city", is_active=True)
    assert override.mode == "until_date" and override.until.date().isoformat() == until
    acme = Customer.objects.get(pk=world.acme.id)
    assert acme.city == override.value
    assert acme.history.latest().history_user == users["steward_customers"]
    assert "Berlin is the registered seat" in acme.history.latest().history_change_reason


def test_override_shows_service_errors_in_the_form(world, as_user):
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "city"), {
        "choice": "__new__", "value": "Potsdam", "mode": "until_date", "until": "2001-01-01", "reason": "x"})
    assert response.status_code == 400
    assert b"needs a date in the future" in response.content
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "city"), {
        "choice": "__new__", "value": "Potsdam", "mode": "pinned", "reason": " "})
    assert b"say why" in response.content


def test_remove_an_override(world, as_user):
    client = as_user("steward_customers")
    client.post(url("resolve", world.acme.id, "phone"), {"choice": "__new__", "value": "+49 30 9999999",
                                                          "mode": "pinned", "reason": "switchboard"})
    override = AttributeOverride.objects.get(golden_id=world.acme.id, attribute="phone", is_active=True)
    client.post(url("override_remove", world.acme.id, override.pk), {"reason": "switchboard closed"})
    override.refresh_from_db()
    assert not override.is_active
    assert "switchboard closed" in Customer.objects.get(pk=world.acme.id).history.latest().history_change_reason


def test_a_governed_attribute_waits_for_the_council_and_four_eyes_apply(world, as_user, users):
    as_user("council").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "DE111111119", "mode": "pinned", "reason": "registry extract"})
    request = ChangeRequest.objects.get()
    assert Customer.objects.get(pk=world.acme.id).tax_id == "111111111"  # not applied yet
    # The one who asked cannot approve: a 403, and nothing changes.
    response = as_user("council").post(url("council_decide", request.pk, "approve"))
    assert response.status_code == 403 and b"Four-eyes" in response.content
    assert ChangeRequest.objects.get().status == ChangeStatus.PENDING
    # A steward without approve permission cannot either.
    assert as_user("steward_customers").post(url("council_decide", request.pk, "approve")).status_code == 403
    as_user("council2").post(url("council_decide", request.pk, "approve"), {"comment": "ok"})
    acme = Customer.objects.get(pk=world.acme.id)
    assert acme.tax_id == "111111119"
    assert acme.history.latest().history_change_reason.endswith(
        f"registry extract (change request #{request.pk}: requested by council, approved by council2)")


def test_council_rejects_with_a_comment(world, as_user):
    as_user("steward_customers").post(url("resolve", world.acme.id, "legal_entity"), {
        "choice": "__new__", "value": "Concord AG", "mode": "pinned", "reason": "reorg"})
    request = ChangeRequest.objects.get()
    as_user("council").post(url("council_decide", request.pk, "reject"), {"comment": ""})
    assert ChangeRequest.objects.get().status == ChangeStatus.PENDING  # a rejection needs a reason
    as_user("council").post(url("council_decide", request.pk, "reject"), {"comment": "not yet effective"})
    request.refresh_from_db()
    assert request.status == ChangeStatus.REJECTED
    assert request.history.latest().history_change_reason == "rejected: not yet effective"


# --- merge and unmerge -------------------------------------------------------------------------

def test_merge_and_unmerge_from_the_golden_page(world, as_user, users):
    client = as_user("steward_customers")
    response = client.post(url("merge", world.stark_sf.id), {"merged_id": world.stark_ns.id, "reason": "same VAT"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=world.stark_ns.id).merged_into == world.stark_sf.id
    page = client.get(url("golden", world.stark_ns.id))
    assert b"Unmerge" in page.content
    client.post(url("unmerge", world.stark_ns.id), {"reason": "different legal entities"})
    record = Customer.objects.get(pk=world.stark_ns.id)
    assert record.record_status == GoldenStatus.ACTIVE
    assert record.history.latest().history_user == users["steward_customers"]
    assert MergeEvent.objects.get().undo_reason == "different legal entities"
    home = client.get(url("home")).content.decode()
    assert "different legal entities" in home  # recent steward changes


def test_merge_errors_are_shown_on_the_page(world, as_user):
    response = as_user("steward_customers").post(url("merge", world.stark_sf.id),
                                                 {"merged_id": world.stark_ns.id, "reason": ""})
    assert response.status_code == 400 and b"say why these records are the same" in response.content
    response = as_user("steward_customers").post(url("merge", world.stark_sf.id),
                                                 {"merged_id": "CUS-NOPE", "reason": "x"})
    assert response.status_code == 400 and b"no customer golden record" in response.content


def test_a_steward_cannot_merge_in_a_record_outside_her_countries(world, as_user):
    response = as_user("steward_customers").post(url("merge", world.acme.id),
                                                 {"merged_id": world.umbrella_ns.id, "reason": "x"})
    assert response.status_code == 403


# --- exceptions --------------------------------------------------------------------------------

def test_fix_and_replay_a_quarantined_record(world, as_user, users):
    client = as_user("steward_customers")
    response = client.post(url("quarantine_fix", world.quarantined.pk), {"name": "", "country": "Germany"})
    assert response.status_code == 400 and b"a customer needs a name" in response.content
    response = client.post(url("quarantine_fix", world.quarantined.pk), {"name": "Zeta GmbH", "country": "Germany"})
    assert response.status_code == 302
    entry = QuarantinedRecord.objects.get(pk=world.quarantined.pk)
    assert entry.status == QuarantineStatus.REPLAYED and entry.resolved_by == users["steward_customers"]
    assert Customer.objects.filter(name="Zeta GmbH").exists()


def test_discard_a_quarantined_record(world, as_user):
    as_user("steward_customers").post(url("quarantine_discard", world.quarantined.pk), {"reason": "test record"})
    entry = QuarantinedRecord.objects.get(pk=world.quarantined.pk)
    assert entry.status == QuarantineStatus.DISCARDED and entry.history.latest().history_change_reason == "test record"


def test_replay_a_dead_outbound_message(world, as_user):
    as_user("steward_customers").post(url("outbox_replay", world.dead.pk))
    message = OutboxMessage.objects.get(pk=world.dead.pk)
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    assert "INVALID_FIELD" in message.last_error and "replayed by steward_customers" in message.last_error


# --- permissions -------------------------------------------------------------------------------

def test_a_steward_of_another_domain_gets_403(world, as_user):
    client = as_user("steward_projects")
    assert client.get(url("golden", world.acme.id)).status_code == 403
    assert client.get(url("resolve", world.acme.id, "city")).status_code == 403
    assert client.post(url("match_decide", world.stark_candidate.pk, "accept")).status_code == 403
    assert client.post(url("quarantine_discard", world.quarantined.pk), {"reason": "x"}).status_code == 403
    assert client.get(url("golden", world.project.id)).status_code == 200
    assert client.get(url("match_queue")).context["cards"] == []


def test_a_customer_steward_gets_403_outside_her_countries(world, as_user):
    assert as_user("steward_customers").get(url("golden", world.umbrella_sf.id)).status_code == 403


def test_auditors_see_everything_and_change_nothing(world, as_user):
    client = as_user("auditor")
    assert client.get(url("golden", world.umbrella_sf.id)).status_code == 200
    assert b"Resolve" not in client.get(url("golden", world.acme.id)).content
    assert client.get(url("resolve", world.acme.id, "city")).status_code == 403
    assert client.post(url("match_decide", world.stark_candidate.pk, "accept")).status_code == 403
    assert client.post(url("merge", world.stark_sf.id), {"merged_id": world.stark_ns.id, "reason": "x"}).status_code == 403
    assert client.post(url("outbox_replay", world.dead.pk)).status_code == 403
    assert MatchCandidate.objects.get(pk=world.stark_candidate.pk).status == "open"


# --- search ------------------------------------------------------------------------------------

def test_search_by_fuzzy_name_tax_id_and_source_key(world, as_user):
    client = as_user("steward_customers")
    found = lambda q: [h.record.id for h in client.get(url("search"), {"q": q}).context["hits"]]  # noqa: E731
    assert world.stark_sf.id in found("Stark Industires")  # a typo still finds it
    assert found("555555556")[0] == world.stark_ns.id
    assert found("netsuite:C-1") == [world.acme.id]
    assert world.umbrella_sf.id not in found("Umbrella")  # outside her countries


# --- demo users --------------------------------------------------------------------------------

def test_create_demo_users_is_idempotent_and_prints_logins(db, capsys):
    from django.core.management import call_command

    call_command("create_demo_users")
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "steward_customers  password: steward_customers-demo" in out
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="steward_customers").count() == 1
    assert get_user_model().objects.get(username="admin").is_superuser


def test_a_guardian_object_permission_shares_one_record_outside_the_stewards_countries(world, as_user, users):
    from guardian.shortcuts import assign_perm

    client = as_user("steward_customers")
    assert client.get(url("golden", world.umbrella_sf.id)).status_code == 403
    assign_perm("mdm.view_customer", users["steward_customers"], world.umbrella_sf)
    assert client.get(url("golden", world.umbrella_sf.id)).status_code == 200
    assert world.umbrella_sf.id in [h.record.id for h in client.get(url("search"), {"q": "Umbrella"}).context["hits"]]
    assert client.get(url("resolve", world.umbrella_sf.id, "city")).status_code == 403  # view only


def test_a_governed_change_is_asked_for_once(world, as_user):
    client = as_user("steward_customers")
    client.post(url("match_decide", world.globex_candidate.pk, "accept"))
    response = client.post(url("match_decide", world.globex_candidate.pk, "accept"), **HTMX)
    assert b"already waits for the council" in response.content
    assert ChangeRequest.objects.count() == 1
    page = client.get(url("match_queue")).content.decode()
    assert f"waiting for the council (#{ChangeRequest.objects.get().pk})" in page


def test_auditors_see_the_review_queue_read_only(world, as_user):
    response = as_user("auditor").get(url("match_queue"))
    assert len(response.context["cards"]) == 4
    assert b"read only" in response.content and b">Accept</button>" not in response.content


def test_contract_pages_render_for_the_council(world, as_user):
    from mdm.models import Contract

    contract = Contract.objects.get(number="K-1")
    response = as_user("council").get(url("golden", contract.id))
    assert response.status_code == 200 and b"Acme platform" in response.content and b"P-1" in response.content


def test_the_integration_role_has_no_console(world, as_user):
    client = as_user("integration")
    assert client.get(url("golden", world.acme.id)).status_code == 403
    assert client.get(url("match_queue")).status_code == 403
    assert client.post(url("match_decide", world.stark_candidate.pk, "accept")).status_code == 403


def test_the_requester_can_withdraw_and_nobody_else(world, as_user):
    as_user("steward_customers").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "DE111111119", "mode": "pinned", "reason": "typo in ERP"})
    request = ChangeRequest.objects.get()
    assert as_user("council").post(url("council_decide", request.pk, "withdraw")).status_code == 403
    as_user("steward_customers").post(url("council_decide", request.pk, "withdraw"))
    assert ChangeRequest.objects.get().status == ChangeStatus.WITHDRAWN


def test_a_quarantined_record_without_source_id_gets_one_from_the_steward(world, as_user):
    from mdm.records import IncomingRecord
    from mdm.services.ingest import source_records_ingest

    source_records_ingest(system="salesforce", domain="customer", records=[
        IncomingRecord("", "Account", {"name": "Nameless Keys GmbH", "country": "DE"})])
    entry = QuarantinedRecord.objects.get(status="open", source_id="")
    client = as_user("steward_customers")
    assert b"source id" in client.get(url("quarantine_fix", entry.pk)).content
    response = client.post(url("quarantine_fix", entry.pk), {"name": "Nameless Keys GmbH", "country": "DE",
                                                             "source_id": "001Q"})
    assert response.status_code == 302
    assert Customer.objects.filter(name="Nameless Keys GmbH").exists()


def test_a_pasted_document_as_reason_is_refused_and_a_long_sentence_is_kept_whole(world, as_user):
    response = as_user("steward_customers").post(url("merge", world.stark_sf.id),
                                                 {"merged_id": world.stark_ns.id, "reason": "x" * 600})
    assert response.status_code == 400 and b"keep it to 500 characters" in response.content
    assert Customer.objects.get(pk=world.stark_ns.id).record_status == GoldenStatus.ACTIVE
    reason = "Same Handelsregister entry HRB 5555 at Amtsgericht Hamburg; NetSuite carries a typo in the VAT id"
    as_user("steward_customers").post(url("merge", world.stark_sf.id), {"merged_id": world.stark_ns.id,
                                                                        "reason": reason})
    assert Customer.objects.get(pk=world.stark_ns.id).history.latest().history_change_reason.endswith(reason)


def test_a_sources_reference_shows_the_golden_record_it_resolves_to(world, as_user):
    response = as_user("council").get(url("resolve", world.project.id, "customer"))
    assert response.status_code == 200
    assert world.acme.id.encode() in response.content  # netsuite's C-1 is Acme's golden record
    response = as_user("council").post(url("resolve", world.project.id, "customer"), {
        "choice": "src:0", "mode": "pinned", "reason": "confirmed with the PM"})
    assert response.status_code == 302


def test_the_merge_picker_finds_active_records_of_the_same_domain(world, as_user):
    response = as_user("steward_customers").get(url("search"), {
        "q": "Stark", "picker": "1", "domain": "customer", "exclude": world.stark_sf.id}, **HTMX)
    ids = [h.record.id for h in response.context["hits"]]
    assert ids == [world.stark_ns.id]
    assert b'data-fill="#merged-id"' in response.content


# --- governance holds on every path ------------------------------------------------------------

def _council_merges_globex(world, as_user) -> ChangeRequest:
    as_user("steward_customers").post(url("match_decide", world.globex_candidate.pk, "accept"), **HTMX)
    request = ChangeRequest.objects.get(payload__action="merge")
    as_user("council").post(url("council_decide", request.pk, "approve"), {"comment": "checked invoices"})
    return request


def test_undoing_a_council_merge_waits_for_the_council(world, as_user, users):
    approved = _council_merges_globex(world, as_user)
    event = MergeEvent.objects.get(merged_id=world.globex_ns.id)
    assert ChangeRequest.objects.get(pk=approved.pk).payload["merge_event_id"] == event.pk
    response = as_user("steward_customers").post(url("unmerge", world.globex_ns.id), {"reason": "two firms after all"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == GoldenStatus.MERGED  # not yet
    request = ChangeRequest.objects.get(payload__action="unmerge")
    assert request.kind == "unmerge" and request.payload["merge_event_id"] == event.pk
    assert "undo the council's merge" in request.summary
    again = as_user("steward_customers").post(url("unmerge", world.globex_ns.id), {"reason": "again"})
    assert b"already waits for the council" in again.content
    as_user("council").post(url("council_decide", request.pk, "approve"), {"comment": "agreed"})
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == GoldenStatus.ACTIVE
    assert MergeEvent.objects.get(pk=event.pk).undone_by == users["council"]


def test_a_stewards_own_merge_is_hers_to_undo(world, as_user):
    client = as_user("steward_customers")
    client.post(url("merge", world.stark_sf.id), {"merged_id": world.stark_ns.id, "reason": "same VAT"})
    client.post(url("unmerge", world.stark_ns.id), {"reason": "different legal entities"})
    assert Customer.objects.get(pk=world.stark_ns.id).record_status == GoldenStatus.ACTIVE
    assert not ChangeRequest.objects.exists()


def test_a_merge_the_council_rejected_is_remembered_as_not_a_match(world, as_user):
    as_user("steward_customers").post(url("match_decide", world.globex_candidate.pk, "accept"), **HTMX)
    request = ChangeRequest.objects.get()
    as_user("council").post(url("council_decide", request.pk, "reject"), {"comment": "two firms, two ledgers"})
    candidate = MatchCandidate.objects.get(pk=world.globex_candidate.pk)
    assert candidate.status == CandidateStatus.REJECTED  # not back in the queue with an Accept button
    queue = as_user("steward_customers").get(url("match_queue")).content.decode()
    assert world.globex_ns.id not in queue
    verdicts = set(MatchDecision.objects.values_list("key_a", "key_b", "verdict"))
    assert verdicts == {("netsuite:customer:C-2", "salesforce:Account:001B", "not_match")}
    assert "the council rejected merging them" in MatchDecision.objects.get().reason


def test_a_council_rejection_of_a_merge_asked_from_the_golden_page_is_remembered_too(world, as_user):
    MatchCandidate.objects.filter(pk=world.globex_candidate.pk).delete()
    as_user("steward_customers").post(url("merge", world.globex_sf.id), {"merged_id": world.globex_ns.id,
                                                                         "reason": "same firm"})
    request = ChangeRequest.objects.get()
    as_user("council").post(url("council_decide", request.pk, "reject"), {"comment": "two firms"})
    assert MatchDecision.objects.get().verdict == "not_match"


def test_a_bad_value_for_a_governed_attribute_is_refused_before_the_council_sees_it(world, as_user):
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "x", "mode": "pinned", "reason": "registry extract"})
    assert response.status_code == 400 and b"is not a tax id" in response.content
    assert not ChangeRequest.objects.exists()


def test_an_override_that_is_not_an_email_is_a_form_error(world, as_user):
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "email"), {
        "choice": "__new__", "value": "not an email", "mode": "pinned", "reason": "the customer said so"})
    assert response.status_code == 400 and b"is not an email address" in response.content
    assert not AttributeOverride.objects.filter(attribute="email").exists()


def test_an_impossible_until_date_is_a_form_error(world, as_user):
    response = as_user("steward_customers").post(url("resolve", world.acme.id, "city"), {
        "choice": "__new__", "value": "Potsdam", "mode": "until_date", "until": "2030-02-30", "reason": "x"})
    assert response.status_code == 400 and b"enter a date as YYYY-MM-DD" in response.content


def test_removing_a_governed_override_waits_for_the_council(world, as_user):
    as_user("council").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "DE111111119", "mode": "pinned", "reason": "registry extract"})
    as_user("council2").post(url("council_decide", ChangeRequest.objects.get().pk, "approve"), {"comment": "ok"})
    override = AttributeOverride.objects.get(attribute="tax_id", is_active=True)
    as_user("steward_customers").post(url("override_remove", world.acme.id, override.pk), {"reason": "sources fixed"})
    assert AttributeOverride.objects.get(pk=override.pk).is_active  # still: the council decides
    request = ChangeRequest.objects.get(payload__action="override_remove")
    as_user("council").post(url("council_decide", request.pk, "approve"), {"comment": "ok"})
    assert not AttributeOverride.objects.get(pk=override.pk).is_active
    assert Customer.objects.get(pk=world.acme.id).tax_id == "111111111"
