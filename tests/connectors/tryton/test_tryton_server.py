"""The Tryton connector against a real trytond: pull by write_date, push golden customers back."""

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Watermark
from connectors.sync import sync_run
from connectors.tryton import mapping
from mdm.models import Customer, OutboxMessage, SourceRecord
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.services


def _party(tryton, name, **parts):
    values = {"name": name}
    if parts.get("city"):
        values["addresses"] = [["create", [{"street": parts.get("street", ""), "city": parts["city"]}]]]
    if parts.get("email"):
        values["contact_mechanisms"] = [["create", [{"type": "email", "value": parts["email"]}]]]
    (party_id,) = tryton.client.create(mapping.PARTY, [values])
    return party_id


def test_parties_are_pulled_into_golden_customers_and_the_watermark_moves(tryton, tag):
    ids = [_party(tryton, f"{name} {tag}", city=city, email=f"info@{city.lower()}{tag}.test")
           for name, city in (("Zephyr Analytics", "Berlin"), ("Quarry Bakeries", "Lyon"), ("Mountain Shipping", "Oslo"))]
    sync_run(system="tryton", domain="customer", connector=tryton)
    landed = {r.source_id: r for r in SourceRecord.objects.filter(system__name="tryton", source_id__in=map(str, ids))}
    assert len(landed) == 3
    assert landed[str(ids[0])].canonical["city"] == "Berlin"
    assert Customer.objects.filter(name__endswith=tag).count() == 3
    watermark = Watermark.objects.get(system__name="tryton", object_type="party.party").value
    assert watermark.endswith(f"|{max(ids)}") or watermark > ""

    tryton.client.write(mapping.PARTY, [ids[1]], {"name": f"Quarry Bakeries Renamed {tag}"})
    result = sync_run(system="tryton", domain="customer", connector=tryton)
    counts = result.counts["party.party"]
    assert counts.updated == 1 and counts.created == 0  # only what changed since the watermark
    assert Customer.objects.filter(name=f"Quarry Bakeries Renamed {tag}").exists()


def test_the_firms_own_people_and_company_are_no_customers(tryton, tag):
    company = tryton.client.call("model.res.user.get_preferences", True)["company"]
    person = _party(tryton, f"Ada Staff {tag}", email=f"ada.{tag}@concord.example")
    tryton.client.create("company.employee", [{"party": person, "company": company}])
    customer = _party(tryton, f"Harbour Freight {tag}", city="Hamburg")
    sync_run(system="tryton", domain="customer", connector=tryton)
    assert list(Customer.objects.filter(name__endswith=tag).values_list("name", flat=True)) == [
        f"Harbour Freight {tag}"]
    held = {record.source_id for record in tryton.read_all(domain="customer")}
    assert str(customer) in held and str(person) not in held


def test_a_golden_customer_is_pushed_as_a_party_keyed_by_its_golden_id(tryton, tag):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"SF{tag}", updated=at(1), name=f"Pushed {tag}", country="DE", city="Bonn",
               email=f"hello@{tag}.test")])
    golden = Customer.objects.get(name=f"Pushed {tag}")
    report = outbox_deliver(connectors={"tryton": tryton})
    assert len(report.delivered) == 1
    party_id = tryton.find_party(golden.id)
    assert OutboxMessage.objects.get(golden_id=golden.id).external_id == str(party_id)
    (party,) = tryton.client.search_read(mapping.PARTY, [("id", "=", party_id)], fields=["name"])
    assert party["name"] == f"Pushed {tag}"

    # A new revision updates the same party; pushing it again creates nothing new.
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"SF{tag}", updated=at(2), name=f"Pushed {tag} v2", country="DE", city="Köln",
               email=f"hello@{tag}.test")])
    outbox_deliver(connectors={"tryton": tryton})
    message = OutboxMessage.objects.filter(golden_id=golden.id).order_by("-id").first()
    again = tryton.push(domain="customer", golden_id=golden.id, attributes=message.document["attributes"],
                        idempotency_key=message.idempotency_key, correlation_id="")
    assert again.external_id == str(party_id) and not again.created
    assert len(tryton.client.search_read(mapping.PARTY, [("identifiers.code", "=", golden.id)], fields=["id"])) == 1
    (address,) = tryton.client.search_read("party.address", [("party", "=", party_id)], fields=["city"])
    assert address["city"] == "Köln"


def test_a_phone_number_tryton_refuses_is_left_out_and_the_party_written(tryton, tag):
    # Tryton validates phone numbers: this one is E.164 in shape but no number in Germany's plan.
    attributes = {"name": f"Gekko {tag}", "city": "Bonn", "phone": "+49316462042", "email": f"ap@{tag}.test"}
    created = tryton.push(domain="customer", golden_id=f"CUS-{tag.upper()}00", attributes=attributes,
                          idempotency_key=f"k{tag}", correlation_id="")
    mechanisms = tryton.client.search_read("party.contact_mechanism", [("party", "=", int(created.external_id))],
                                           fields=["type", "value"])
    assert [(m["type"], m["value"]) for m in mechanisms] == [("email", f"ap@{tag}.test")]

    again = tryton.push(domain="customer", golden_id=f"CUS-{tag.upper()}00", attributes=attributes,
                        idempotency_key=f"k{tag}", correlation_id="")
    assert (again.external_id, again.created) == (created.external_id, False)


def test_our_own_write_pulled_back_does_not_write_again(tryton, tag):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"SF{tag}", updated=at(1), name=f"Echo {tag}", country="DE", city="Bonn")])
    outbox_deliver(connectors={"tryton": tryton})
    sync_run(system="tryton", domain="customer", connector=tryton)  # the party we wrote comes back
    report = outbox_deliver(connectors={"tryton": tryton})
    assert report.delivered == []
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering", "dead"]).exists()


def test_a_golden_customer_born_in_tryton_is_written_to_its_own_party_not_a_twin(tryton, tag):
    party_id = _party(tryton, f"Homegrown Textiles {tag}", city="Graz")
    sync_run(system="tryton", domain="customer", connector=tryton)
    golden = Customer.objects.get(name=f"Homegrown Textiles {tag}")
    outbox_deliver(connectors={"tryton": tryton})
    assert tryton.find_party(golden.id) == party_id
    assert len(tryton.client.search_read(mapping.PARTY, [("name", "=", f"Homegrown Textiles {tag}")],
                                         fields=["id"])) == 1


def test_sales_and_project_works_are_pulled_as_contracts_and_projects_of_their_customer(tryton, tag):
    from mdm.models import Contract, Project

    company = tryton.client.call("model.res.user.get_preferences", True)["company"]
    party_id = _party(tryton, f"Sprocket Foundry {tag}", city="Ghent")
    (sale_id,) = tryton.client.create(mapping.SALE, [{"party": party_id, "company": company, "currency": 1,
                                                      "reference": f"PO-{tag}", "description": f"Sprockets {tag}"}])
    (work_id,) = tryton.client.create(mapping.WORK, [{"name": f"Sprocket rollout {tag}", "type": "project",
                                                      "party": party_id, "company": company}])
    for domain in ("customer", "contract", "project"):
        sync_run(system="tryton", domain=domain, connector=tryton)

    customer = Customer.objects.get(name=f"Sprocket Foundry {tag}")
    contract = Contract.objects.get(number=f"PO-{tag}")
    assert (contract.title, contract.status, contract.customer_id) == (f"Sprockets {tag}", "draft", customer.id)
    project = Project.objects.get(name=f"Sprocket rollout {tag}")
    assert (project.status, project.customer_id) == ("active", customer.id)
    assert SourceRecord.objects.filter(system__name="tryton", object_type=mapping.SALE,
                                       source_id=str(sale_id)).exists()
    assert Watermark.objects.get(system__name="tryton", object_type=mapping.WORK).value.endswith(f"|{work_id}")


def test_a_golden_contract_goes_to_tryton_as_a_draft_sale_of_its_customer(tryton, tag):
    from mdm.models import Contract, SourceSystem

    SourceSystem.objects.filter(name="tryton").update(sync_back_domains=["customer", "contract"])
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"SFC{tag}", updated=at(1), name=f"Gearbox Partners {tag}", country="DE", city="Kiel")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record(f"SFK{tag}", "Contract", updated=at(1), number=f"K-{tag}", title="Gearbox service",
               status="active", customer_source_id=f"SFC{tag}", currency="EUR", start_date="2026-07-01")])
    contract = Contract.objects.get(number=f"K-{tag}")

    report = outbox_deliver(connectors={"tryton": tryton})
    assert len(report.delivered) == 2, report
    (sale,) = tryton.client.search_read(mapping.SALE, [("reference", "=", f"K-{tag}")],
                                        fields=["party", "description", "state", "sale_date"])
    assert sale["party"] == tryton.find_party(contract.customer_id)
    assert (sale["description"], sale["state"], str(sale["sale_date"])) == ("Gearbox service", "draft", "2026-07-01")

    # Pulled back, the sale is the same golden contract (same number), not a new one.
    sync_run(system="tryton", domain="customer", connector=tryton)
    sync_run(system="tryton", domain="contract", connector=tryton)
    assert Contract.objects.filter(number=f"K-{tag}").count() == 1
    # Tryton's draft sale may move the golden contract once (survivorship: its status, its total);
    # that revision goes out, comes back unchanged, and the loop stops there.
    outbox_deliver(connectors={"tryton": tryton})
    sync_run(system="tryton", domain="contract", connector=tryton)
    assert outbox_deliver(connectors={"tryton": tryton}).delivered == []
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering", "dead"]).exists()


def _psa_project(tag, *, updated, name, status, code=None):
    source_records_ingest(system="psa", domain="customer", records=[
        record(f"PC{tag}", "Client", updated=at(1), name=f"Lighthouse Studios {tag}", country="DE", city="Kiel")])
    source_records_ingest(system="psa", domain="project", records=[
        record(f"PP{tag}", "Project", updated=updated, code=code or f"P-{tag}", name=name, status=status,
               customer_source_id=f"PC{tag}")])


def test_a_golden_project_goes_to_tryton_as_a_project_work_of_its_customer_and_comes_back_as_itself(tryton, tag):
    from mdm.models import CrossReference, Project, SourceSystem

    SourceSystem.objects.filter(name="tryton").update(sync_back_domains=["customer", "project"])
    _psa_project(tag, updated=at(1), name=f"Harbour rollout {tag}", status="on_hold")
    project = Project.objects.get(code=f"P-{tag}")

    report = outbox_deliver(connectors={"tryton": tryton})
    assert len(report.delivered) == 2, report
    work = tryton.find_work(project.id)
    (row,) = tryton.client.search_read(mapping.WORK, [("id", "=", work["id"])],
                                       fields=["name", "type", "party", "status", "comment"])
    assert (row["name"], row["type"], row["party"]) == (f"Harbour rollout {tag}", "project",
                                                         tryton.find_party(project.customer_id))
    assert mapping.work_marker(row["comment"]) == {"golden_id": project.id, "code": f"P-{tag}", "status": "on_hold"}
    assert OutboxMessage.objects.get(golden_id=project.id).external_id == str(work["id"])

    # A new revision writes the same work; pushing it again finds it and creates nothing.
    _psa_project(tag, updated=at(2), name=f"Harbour rollout phase 2 {tag}", status="completed")
    outbox_deliver(connectors={"tryton": tryton})
    message = OutboxMessage.objects.filter(golden_id=project.id).order_by("-id").first()
    again = tryton.push(domain="project", golden_id=project.id, attributes=message.document["attributes"],
                        idempotency_key=message.idempotency_key, correlation_id="")
    assert again.external_id == str(work["id"]) and not again.created
    works = tryton.client.search_read(mapping.WORK, [("comment", "ilike", f"%{project.id}%")],
                                      fields=["name", "status"])
    assert [w["name"] for w in works] == [f"Harbour rollout phase 2 {tag}"]
    (done,) = tryton.client.search_read("project.work.status", [("name", "=", "Done")], fields=["id"])
    assert works[0]["status"] == done["id"]

    # Pulled back, the work is the same golden project: no new one, status and code unchanged,
    # and nothing more to write (the loop stops).
    for domain in ("customer", "project"):
        sync_run(system="tryton", domain=domain, connector=tryton)
    pulled = SourceRecord.objects.get(system__name="tryton", object_type=mapping.WORK, source_id=str(work["id"]))
    assert CrossReference.objects.get(source_record=pulled).golden_id == project.id
    project.refresh_from_db()
    assert (project.code, project.status, project.name) == (f"P-{tag}", "completed", f"Harbour rollout phase 2 {tag}")
    assert Project.objects.filter(name__endswith=tag).count() == 1
    assert outbox_deliver(connectors={"tryton": tryton}).delivered == []
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering", "dead"]).exists()


def test_a_project_waits_until_its_customer_is_in_tryton(tryton, tag):
    from mdm.models import Project, SourceSystem

    SourceSystem.objects.filter(name="tryton").update(sync_back_domains=["project"])
    _psa_project(tag, updated=at(1), name=f"Orphan rollout {tag}", status="active")
    report = outbox_deliver(connectors={"tryton": tryton})
    assert report.delivered == [] and len(report.retried) == 1
    message = OutboxMessage.objects.get(golden_id=Project.objects.get(code=f"P-{tag}").id)
    assert message.status == "pending" and "not in Tryton yet" in message.last_error


def test_a_project_born_in_tryton_is_written_to_its_own_work_not_a_twin(tryton, tag):
    from mdm.models import Project, SourceSystem

    SourceSystem.objects.filter(name="tryton").update(sync_back_domains=["customer", "project"])
    company = tryton.client.call("model.res.user.get_preferences", True)["company"]
    party_id = _party(tryton, f"Homegrown Mills {tag}", city="Linz")
    (work_id,) = tryton.client.create(mapping.WORK, [{"name": f"Mill audit {tag}", "type": "project",
                                                      "party": party_id, "company": company,
                                                      "comment": "Agreed on the phone"}])
    for domain in ("customer", "project"):
        sync_run(system="tryton", domain=domain, connector=tryton)
    golden = Project.objects.get(name=f"Mill audit {tag}")
    outbox_deliver(connectors={"tryton": tryton})
    assert tryton.find_work(golden.id)["id"] == work_id
    (row,) = tryton.client.search_read(mapping.WORK, [("name", "=", f"Mill audit {tag}")], fields=["comment"])
    assert row["comment"].startswith("Agreed on the phone\n[concord ")


def test_reconciliation_reads_back_what_the_pushes_wrote_customer_contract_and_project(tryton, tag):
    from connectors.reconcile import differing_fields
    from mdm.models import Contract, Project, SourceSystem

    SourceSystem.objects.filter(name="tryton").update(sync_back_domains=["customer", "contract", "project"])
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"SFR{tag}", updated=at(1), name=f"Ledger Works {tag}", country="DE", city="Ulm",
               email=f"books@{tag}.test")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record(f"SFRK{tag}", "Contract", updated=at(1), number=f"R-{tag}", title="Ledger audit", status="active",
               customer_source_id=f"SFR{tag}", currency="EUR", start_date="2026-08-01")])
    _psa_project(tag, updated=at(1), name=f"Ledger rollout {tag}", status="active")
    outbox_deliver(connectors={"tryton": tryton})
    assert not OutboxMessage.objects.exclude(status="delivered").exists()

    for domain, golden in (("customer", Customer.objects.get(name=f"Ledger Works {tag}")),
                           ("contract", Contract.objects.get(number=f"R-{tag}")),
                           ("project", Project.objects.get(code=f"P-{tag}"))):
        message = OutboxMessage.objects.filter(golden_id=golden.id).order_by("-id").first()
        held = {record.source_id: record for record in tryton.read_all(domain=domain)}[message.external_id]
        assert held.golden_id in (golden.id, None)  # a sale carries no golden id: its answered id names it
        sent = tryton.outbound_fields(domain=domain, attributes={**message.document["attributes"],
                                                                  "record_status": "active"})
        assert differing_fields(sent, held.fields) == [], (domain, sent, held.fields)
