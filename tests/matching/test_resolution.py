"""Resolution: after a load the hub fits its model on the data and settles the golden records in batch."""

import random

import pytest

from matching.models import MatchDecision, MatchModel
from matching.resolution import domain_resolve, refit_due, source_record_count
from matching.services import decisions_remember
from mdm.models import Contract, CrossReference, Customer, SourceRecord
from mdm.services.ingest import source_records_ingest, source_records_load_finished
from mdm.services.merge import golden_record_merge
from tests.conftest import record

pytestmark = pytest.mark.django_db

CITIES = ["Berlin", "Hamburg", "Köln", "Leipzig", "Dresden", "Bremen", "Essen", "Bonn", "Mainz", "Kiel"]
WORDS = ["Nordwind", "Halvorsen", "Brightwater", "Kessler", "Ostara", "Lindqvist", "Marbach", "Quellen", "Falkner",
         "Sonnfeld", "Wetterau", "Eichholz", "Rabenstein", "Tiefenbach", "Grauwald", "Silberberg"]


def firms(n: int, seed: int = 3):
    """n distinct firms: a name of two rare words, a city, a street, a phone, a tax id."""
    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}{rng.randint(1, 999)}"
        if name in seen:
            continue
        seen.add(name)
        k = len(out)
        out.append({"name": name, "city": rng.choice(CITIES), "postal_code": f"{10000 + k:05d}",
                    "address_line1": f"Hauptstraße {k + 1}", "phone": f"030 {7000000 + k}",
                    "tax_id": f"DE{100000000 + 7919 * k}"})
    return out


def load(n: int = 120):
    """The same firms in a CRM (names as typed, no tax ids) and an ERP (upper case, tax ids)."""
    companies = firms(n)
    crm = [record(f"001{k:04d}", name=f"{c['name']} GmbH", country="Deutschland", city=c["city"],
                  postal_code=c["postal_code"], address_line1=c["address_line1"].replace("straße", "str."),
                  phone=c["phone"]) for k, c in enumerate(companies)]
    erp = [record(str(k), object_type="customer", name=c["name"].upper(), country="DE", city=c["city"],
                  postal_code=c["postal_code"], address_line1=c["address_line1"], phone=f"+49 {c['phone'][1:]}",
                  tax_id=c["tax_id"]) for k, c in enumerate(companies)]
    return crm, erp


@pytest.fixture
def small_hub(settings):
    settings.CONCORD_MATCH_FIT_MIN_RECORDS = 50
    settings.CONCORD_MATCH_REFIT_GROWTH = 0.25


def test_a_first_load_fits_the_model_on_its_own_data_and_settles_in_batch(small_hub):
    crm, erp = load()
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    assert "refitted" in source_records_load_finished("customer")
    source_records_ingest(system="netsuite", domain="customer", records=erp)
    said = source_records_load_finished("customer")
    assert "refitted" in said
    assert MatchModel.objects.get(domain="customer").fitted_on == 240
    # Each firm is one golden record holding its CRM account and its ERP customer.
    assert Customer.objects.filter(record_status="active").count() == 120
    assert set(CrossReference.objects.values_list("golden_id", flat=True).distinct()) == \
        set(Customer.objects.filter(record_status="active").values_list("id", flat=True))


def test_no_refit_is_due_until_the_domain_has_grown(small_hub):
    crm, _erp = load()
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    source_records_load_finished("customer")
    assert not refit_due("customer", 130)
    assert refit_due("customer", 150)


def test_asked_whether_a_domain_holds_more_than_so_many_records_the_count_stops_past_it(small_hub):
    crm, _erp = load()
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    assert source_record_count("customer") == 120
    assert source_record_count("customer", up_to=50) == 51  # enough to say "more than 50"
    assert source_record_count("customer", up_to=500) == 120


def test_a_stewards_not_a_match_holds_through_a_batch_re_match(small_hub, alice):
    crm, erp = load(60)
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    source_records_ingest(system="netsuite", domain="customer", records=erp)
    decisions_remember(domain="customer", keys_a=["salesforce:Account:0010000"], keys_b=["netsuite:customer:0"],
                       verdict=MatchDecision.Verdict.NOT_MATCH, acting_user=alice, reason="different firms")
    domain_resolve("customer", refit=True)
    crm_golden = SourceRecord.objects.get(source_id="0010000").xref.golden_id
    erp_golden = SourceRecord.objects.get(source_id="0", system__name="netsuite").xref.golden_id
    assert crm_golden != erp_golden


def test_records_a_steward_merged_stay_together_through_a_batch_re_match(small_hub, alice):
    crm, _erp = load(60)
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    first, second = (SourceRecord.objects.get(source_id=s).xref.golden_id for s in ("0010000", "0010001"))
    golden_record_merge(survivor_id=first, merged_id=second, acting_user=alice, reason="one firm, two accounts")
    domain_resolve("customer", refit=True)
    assert SourceRecord.objects.get(source_id="0010001").xref.golden_id == first


def test_contracts_follow_their_customers_when_these_are_merged(alice):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Vandelay Industries", country="US")])
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("7", object_type="customer", name="Vandelay Imports and Exports", country="US", city="New York")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("800A", object_type="Contract", number="C-2025-0001", title="Latex supply", customer_source_id="001A")])
    source_records_ingest(system="netsuite", domain="contract", records=[
        record("SO-9", object_type="salesOrder", number="C-2025-0001", title="Latex supply", customer_source_id="7")])
    customers = list(Customer.objects.values_list("id", flat=True))
    assert len(customers) == 2 and Contract.objects.filter(record_status="active").count() == 2
    golden_record_merge(survivor_id=customers[0], merged_id=customers[1], acting_user=alice, reason="same firm")
    contract = Contract.objects.get(record_status="active")
    assert contract.customer_id == customers[0]
    assert CrossReference.objects.filter(golden_id=contract.id).count() == 2


def test_a_preview_says_what_a_re_match_would_do_and_changes_nothing(small_hub):
    crm, erp = load(60)
    source_records_ingest(system="salesforce", domain="customer", records=crm)
    source_records_ingest(system="netsuite", domain="customer", records=erp)
    before = sorted(CrossReference.objects.values_list("source_record_id", "golden_id"))
    from matching.engine import SCHEMAS, FellegiSunterModel
    from matching.resolution import domain_preview

    strict = FellegiSunterModel.untrained(SCHEMAS["customer"], upper=0.999999, lower=0.99)
    preview = domain_preview("customer", strict)
    assert preview.records == 120 and preview.golden_before > 0
    assert preview.golden_after == preview.golden_before + preview.splits - len(preview.merges)
    assert sorted(CrossReference.objects.values_list("source_record_id", "golden_id")) == before


def test_an_import_that_makes_a_fit_due_is_planned_whole_and_makes_no_golden_record_to_merge_away(
        small_hub, tmp_path):
    import csv
    from io import StringIO

    from django.core.management import call_command

    from mdm.models import MergeEvent

    companies = firms(80)
    for name, rows in (("crm.csv", [{"source_id": f"A{k}", "name": f"{c['name']} GmbH", "country": "Deutschland",
                                     "city": c["city"], "postal_code": c["postal_code"], "phone": c["phone"]}
                                    for k, c in enumerate(companies)]),
                       ("erp.csv", [{"source_id": f"N{k}", "name": c["name"].upper(), "country": "DE",
                                     "city": c["city"], "postal_code": c["postal_code"], "tax_id": c["tax_id"],
                                     "phone": f"+49 {c['phone'][1:]}"} for k, c in enumerate(companies)])):
        with open(tmp_path / name, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    call_command("import_records", str(tmp_path / "crm.csv"), system="salesforce", domain="customer", verbosity=0)
    out = StringIO()
    call_command("import_records", str(tmp_path / "erp.csv"), system="netsuite", domain="customer", stdout=out)
    assert "80 records planned in batch with the model refitted on the data" in out.getvalue()
    assert Customer.objects.filter(record_status="active").count() == 80
    assert not MergeEvent.objects.exists()  # every ERP customer went straight to its firm's golden record
