"""The queues as work lists: paged, sorted, filtered, grouped by cause with counts, and bulk
actions that say what they will do before doing it — each through the permission filter."""

import pytest
from django.urls import reverse

from matching.models import CandidateStatus, MatchCandidate
from mdm.choices import OutboxStatus, QuarantineStatus
from mdm.models import Customer, OutboxMessage, QuarantinedRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest
from stewardship import queues
from stewardship.models import ChangeRequest, ChangeStatus

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"stewardship:{name}", args=args)


# --- pure: causes ---------------------------------------------------------------------------------

def test_a_review_is_about_what_speaks_most_against_the_match():
    assert queues.cause_of({"name": 6.2, "tax_id": -1.5, "city": 2.1}) == "tax id disagrees"
    assert queues.cause_of({"name": 3.1, "tax_id": -4.0, "city": -1.2}) == "tax id disagrees"
    assert queues.cause_of({"name": 3.1, "city": -0.5}) == queues.NO_DISAGREEMENT
    assert queues.cause_of({"customer_id": {"level": "different", "weight": -3.0}}) == "customer disagrees"
    assert queues.cause_of(None) == queues.NO_DISAGREEMENT


def test_quarantine_and_dead_letter_causes_leave_out_what_differs_between_alike_items():
    assert queues.quarantine_cause({"country": ["'Atlantis' is not a country"]}) == "country: … is not a country"
    assert queues.quarantine_cause({"name": ["a customer needs a name"], "email": ["x"]}) == \
        "email: x; name: a customer needs a name"
    assert queues.dead_letter_cause("HTTP 400 from NetSuite: INVALID_FIELD phone\n[replayed by ann at 2026]") == \
        "HTTP 400 from NetSuite: INVALID_FIELD phone"
    assert queues.dead_letter_cause("timeout after 30000 ms for record 1234567") == "timeout after # ms for record #"
    assert queues.request_cause({"action": "override", "attribute": "tax_id"}) == "override tax_id"


# --- match review ---------------------------------------------------------------------------------

def test_the_review_queue_groups_by_cause_and_band_and_filters_by_them(world, as_user):
    client = as_user("steward_customers")
    response = client.get(url("match_queue"))
    causes = {g.key: g.count for g in response.context["queue"].causes}
    assert causes == {"tax id disagrees": 2, "nothing against": 1}  # Umbrella's pair is outside her countries
    bands = {g.key: g.count for g in response.context["queue"].bands}
    assert bands == {"likely": 2, "doubtful": 1, "unlikely": 0}
    doubtful = client.get(url("match_queue"), {"band": "doubtful"})
    assert [c["candidate"].pk for c in doubtful.context["cards"]] == [world.wayne_candidate.pk]
    oldest_first = client.get(url("match_queue"), {"sort": "score"}).context["cards"]
    assert [c["candidate"].pk for c in oldest_first][0] == world.wayne_candidate.pk


def test_the_review_queue_is_paged(world, as_user, monkeypatch):
    monkeypatch.setattr(queues, "REVIEW_PER_PAGE", 2)
    client = as_user("council")
    first, second = client.get(url("match_queue")).context, client.get(url("match_queue"), {"page": 2}).context
    assert len(first["cards"]) == 2 and len(second["cards"]) == 2 and first["queue"].page.pages == 2
    assert not {c["candidate"].pk for c in first["cards"]} & {c["candidate"].pk for c in second["cards"]}
    assert client.get(url("match_queue"), {"page": "x"}).status_code == 400


def test_a_card_names_each_sides_systems_and_the_matchers_levels(world, as_user):
    card = next(c for c in as_user("steward_customers").get(url("match_queue")).context["cards"]
                if c["candidate"].pk == world.stark_candidate.pk)
    assert card["systems_a"] == ["salesforce:001C"] and card["systems_b"] == ["netsuite:C-3"]
    rows = {row["name"]: row for row in card["rows"]}
    assert rows["name"]["contribution"] == 6.2 and rows["name"]["level"]  # e.g. "very similar"
    assert rows["phone"]["level"] == "exact"


def test_assign_offers_only_those_who_may_decide_the_pair(world, as_user, users):
    cards = {c["candidate"].pk: c for c in as_user("council").get(url("match_queue")).context["cards"]}
    names = lambda pk: {u.username for u in cards[pk]["assignees"]}  # noqa: E731
    assert "steward_projects" not in names(world.stark_candidate.pk)
    assert "steward_customers" in names(world.stark_candidate.pk)
    assert "steward_customers" not in names(world.umbrella_candidate.pk)  # a GB pair
    response = as_user("council").post(url("match_decide", world.umbrella_candidate.pk, "assign"),
                                       {"assignee": users["steward_customers"].pk}, **HTMX)
    assert b"may not decide customer pairs in GB" in response.content
    assert MatchCandidate.objects.get(pk=world.umbrella_candidate.pk).assigned_to is None


def test_a_card_previews_the_merge_and_keeps_nothing_of_it(world, as_user):
    response = as_user("steward_customers").get(url("match_preview", world.stark_candidate.pk), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "netsuite:C-3" in html and "nothing was kept" in html
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["legal_entity"]["after"] == "Concord GmbH" and rows["legal_entity"]["changed"]
    assert Customer.objects.get(pk=world.stark_ns.id).record_status == "active"
    assert MatchCandidate.objects.get(pk=world.stark_candidate.pk).status == CandidateStatus.OPEN
    assert as_user("auditor").get(url("match_preview", world.stark_candidate.pk)).status_code == 403


def test_a_decision_keeps_the_stewards_reason(world, as_user):
    as_user("steward_customers").post(url("match_decide", world.wayne_candidate.pk, "reject"),
                                      {"reason": "two firms: Enterprises and Foods"}, **HTMX)
    assert MatchCandidate.objects.get(pk=world.wayne_candidate.pk).reason == "two firms: Enterprises and Foods"


def test_the_bulk_bar_says_what_accepting_or_rejecting_would_do(world, as_user):
    response = as_user("steward_customers").post(url("match_bulk"), {
        "preview": "1", "candidate": [world.stark_candidate.pk, world.globex_candidate.pk]}, **HTMX)
    text = response.content.decode()
    assert "1 merge now" in text and "1 goes to the council: both customers have contracts" in text
    assert "2 pairs will be remembered as not a match" in text
    assert MatchCandidate.objects.filter(status=CandidateStatus.OPEN).count() == 4  # nothing done


def test_everything_the_filters_keep_is_decided_only_after_a_confirmation(world, as_user):
    client = as_user("steward_customers")
    form = {"verb": "reject", "scope": "all", "filters": "band=likely", "reason": "not the same firms"}
    page = client.post(url("match_bulk"), form)
    assert page.status_code == 200 and b"Reject 2 items?" in page.content and b"Stark Industries GmbH" in page.content
    assert MatchCandidate.objects.filter(status=CandidateStatus.OPEN).count() == 4
    client.post(url("match_bulk"), {**form, "confirmed": "1"})
    rejected = set(MatchCandidate.objects.filter(status=CandidateStatus.REJECTED).values_list("pk", flat=True))
    assert rejected == {world.stark_candidate.pk, world.globex_candidate.pk}


def test_bulk_assign_gives_the_selected_to_a_colleague(world, as_user, users):
    as_user("council").post(url("match_bulk"), {"verb": "assign", "assignee": users["steward_customers"].pk,
                                                "candidate": [world.stark_candidate.pk, world.wayne_candidate.pk]})
    assert set(MatchCandidate.objects.filter(assigned_to=users["steward_customers"]).values_list("pk", flat=True)) == {
        world.stark_candidate.pk, world.wayne_candidate.pk}


# --- exceptions -------------------------------------------------------------------------------------

@pytest.fixture
def broken(world):
    """Three more unusable accounts (no name) and one from Atlantis."""
    source_records_ingest(system="salesforce", domain="customer", records=[
        *[IncomingRecord(f"00B{i}", "Account", {"name": "", "country": "DE"}, {"Id": f"00B{i}"}) for i in range(3)],
        IncomingRecord("00C1", "Account", {"name": "Atlantis Ltd", "country": "Atlantis"}, {"Id": "00C1"})])
    return QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN)


def test_quarantined_records_are_grouped_by_cause_and_system(broken, as_user):
    response = as_user("steward_customers").get(url("exceptions"))
    causes = {g.key: g.count for g in response.context["work"].causes}
    assert causes["name: a customer needs a name"] == 4
    assert sum(causes.values()) == 5
    assert {g.key: g.count for g in response.context["work"].systems} == {"salesforce": 5}
    narrowed = as_user("steward_customers").get(url("exceptions"), {"cause": "name: a customer needs a name"})
    assert len(narrowed.context["quarantine"]) == 4


def test_bulk_fix_sets_one_field_on_the_selected_and_replays_them(broken, as_user):
    nameless = list(broken.filter(source_id__startswith="00B").values_list("pk", flat=True))
    client = as_user("steward_customers")
    preview = client.post(url("exceptions_bulk"), {"kind": "quarantine", "preview": "1", "verb": "fix",
                                                   "fix_field": "name", "fix_value": "Unnamed GmbH",
                                                   "item": nameless}, **HTMX)
    assert "3 records get name = “Unnamed GmbH” and are ingested again" in preview.content.decode()
    client.post(url("exceptions_bulk"), {"kind": "quarantine", "verb": "fix", "fix_field": "name",
                                         "fix_value": "Unnamed GmbH", "item": nameless})
    assert QuarantinedRecord.objects.filter(pk__in=nameless, status=QuarantineStatus.REPLAYED).count() == 3
    assert Customer.objects.filter(name="Unnamed GmbH").exists()


def test_bulk_discard_needs_a_reason_and_replay_of_the_unfixed_keeps_them_open(broken, as_user):
    ids = list(broken.values_list("pk", flat=True))
    client = as_user("steward_customers")
    client.post(url("exceptions_bulk"), {"kind": "quarantine", "verb": "discard", "item": ids})
    assert QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN).count() == 5  # no reason: nothing
    response = client.post(url("exceptions_bulk"), {"kind": "quarantine", "verb": "replay", "item": ids}, follow=True)
    assert b"a customer needs a name" in response.content
    assert QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN).count() == 5
    client.post(url("exceptions_bulk"), {"kind": "quarantine", "verb": "discard", "item": ids, "reason": "test rows"})
    assert QuarantinedRecord.objects.filter(status=QuarantineStatus.DISCARDED).count() == 5


def test_dead_letters_have_their_tab_and_are_replayed_in_bulk(world, as_user):
    OutboxMessage.objects.filter(domain="customer", status=OutboxStatus.PENDING).exclude(pk=world.dead.pk).filter(
        golden_id=world.stark_sf.id).update(status=OutboxStatus.DEAD, last_error="HTTP 503 from Salesforce")
    client = as_user("steward_customers")
    response = client.get(url("exceptions"), {"tab": "dead"})
    causes = {g.key: g.count for g in response.context["work"].causes}
    assert causes["HTTP 400 from NetSuite: INVALID_FIELD phone"] == 1
    ids = [m.pk for m in response.context["dead"]]
    client.post(url("exceptions_bulk"), {"kind": "dead", "verb": "replay", "item": ids})
    assert not OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.DEAD).exists()


def test_bulk_actions_refuse_items_outside_the_stewards_reach(world, as_user):
    assert as_user("steward_projects").post(url("exceptions_bulk"), {
        "kind": "quarantine", "verb": "discard", "item": [world.quarantined.pk], "reason": "x"}).status_code == 403
    assert as_user("auditor").post(url("match_bulk"), {
        "verb": "reject", "candidate": [world.stark_candidate.pk]}).status_code == 403


# --- council ------------------------------------------------------------------------------------------

def _governed_merge(world, as_user) -> ChangeRequest:
    as_user("steward_customers").post(url("match_decide", world.globex_candidate.pk, "accept"),
                                      {"reason": "one VAT registration"}, **HTMX)
    return ChangeRequest.objects.get(payload__action="merge")


def test_the_council_reads_names_and_what_a_merge_moves(world, as_user):
    request = _governed_merge(world, as_user)
    html = as_user("council").get(url("council")).content.decode()
    assert f"merge Globex Aktiengesellschaft ({world.globex_ns.id}) into Globex AG ({world.globex_sf.id})" in html
    assert "moves 1 contract" in html and "one VAT registration" in html
    assert f'href="/council/{request.pk}/"' in html


def test_a_request_page_shows_the_records_side_by_side_and_what_approval_would_do(world, as_user):
    request = _governed_merge(world, as_user)
    response = as_user("council").get(url("council_request", request.pk))
    page = response.context["page"]
    assert [side.golden_id for side in page.sides] == [world.globex_sf.id, world.globex_ns.id]
    assert page.sides[1].sources == ["netsuite:C-2"]
    assert page.dry_run.moved_sources == ["netsuite:C-2"]
    assert len(page.dry_run.moved["contract"]) == 1
    assert b"one VAT registration" in response.content
    # A dry run: nothing of it was kept.
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == "active"
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.PENDING


def test_an_override_request_shows_the_value_now_and_after(world, as_user):
    as_user("steward_customers").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "DE111111119", "mode": "pinned", "reason": "registry extract"})
    request = ChangeRequest.objects.get()
    page = as_user("council").get(url("council_request", request.pk)).context["page"]
    row = next(r for r in page.rows if r["name"] == "tax_id")
    assert row["values"] == ["111111111"] and row["after"] == "111111119" and row["changed"]
    assert Customer.objects.get(pk=world.acme.id).tax_id == "111111111"


def test_the_council_decides_several_at_once_four_eyes_each(world, as_user, users):
    merge = _governed_merge(world, as_user)
    as_user("council").post(url("resolve", world.acme.id, "tax_id"), {
        "choice": "__new__", "value": "DE111111119", "mode": "pinned", "reason": "registry extract"})
    own = ChangeRequest.objects.get(payload__action="override")
    preview = as_user("council").post(url("council_bulk"), {"preview": "1", "item": [merge.pk, own.pk]}, **HTMX)
    assert "1 you asked for yourself" in preview.content.decode()
    as_user("council").post(url("council_bulk"), {"verb": "approve", "item": [merge.pk, own.pk], "comment": "ok"})
    assert ChangeRequest.objects.get(pk=merge.pk).status == ChangeStatus.APPROVED
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeStatus.PENDING  # four-eyes


def test_a_steward_may_read_her_own_requests_page_but_not_another_domains(world, as_user):
    request = _governed_merge(world, as_user)
    assert as_user("steward_customers").get(url("council_request", request.pk)).status_code == 200
    assert as_user("steward_projects").get(url("council_request", request.pk)).status_code == 403
