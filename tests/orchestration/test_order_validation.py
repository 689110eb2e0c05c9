"""POST /api/v1/validate/order: accepted at once, or refused with its reasons; 400 with field
errors for a request it cannot read."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mdm.models import CrossReference, Customer, SourceRecord, SourceSystem
from orchestration.order_validation import Order, order_problems

URL = "/api/v1/validate/order"
GMBH = "Concord Consulting GmbH"
POLICY = {"credit_statuses_refused": ["blocked", "on_hold"], "tax_codes": {"DE": "DE-VAT-19"},
          "currencies": ["EUR", "USD"], "legal_entity": GMBH}


def order(**changes) -> Order:
    return Order(**{"customer": "CUS-1", "legal_entity": GMBH, "currency": "EUR", "amount": Decimal(1000),
                    **changes})


def test_an_order_of_a_customer_in_good_standing_has_no_problems():
    assert order_problems(order(), {"credit_status": "ok", "country": "DE"}, POLICY, []) == []


def test_credit_hold_tax_currency_and_quality_are_each_a_reason():
    reasons = order_problems(order(currency="JPY"), {"credit_status": "on_hold", "country": "BR"}, POLICY,
                             ["tax id is not a valid VAT number"])
    assert [r["check"] for r in reasons] == ["credit", "tax", "currency", "data_quality"]


def test_an_amount_above_the_credit_limit_is_refused():
    reasons = order_problems(order(amount=Decimal(900)), {"country": "DE"}, {**POLICY, "credit_limits": {"EUR": 500}},
                             [])
    assert [r["check"] for r in reasons] == ["credit_limit"]


@pytest.fixture
def customer(db):
    return Customer.objects.create(name="Acme GmbH", country="DE", credit_status="ok")


def test_it_accepts_an_order_by_golden_id(api, carol, customer):
    answer = api.as_user(carol).post(URL, {"customer": customer.pk, "legal_entity": GMBH, "currency": "EUR",
                                           "amount": "1200.00"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["accepted"] is True and answer.json()["reasons"] == []
    assert answer.json()["erp"] == "netsuite"


def test_it_refuses_a_customer_on_credit_hold_with_the_reason(api, carol, customer):
    customer.credit_status = "on_hold"
    customer.save()
    answer = api.as_user(carol).post(URL, {"customer": customer.pk, "legal_entity": GMBH, "currency": "EUR",
                                           "amount": 10}, format="json").json()
    assert answer["accepted"] is False
    assert answer["reasons"] == [{"check": "credit", "message": "customer credit status is on_hold"}]


def test_it_finds_the_customer_by_a_source_key(api, carol, customer):
    from django.utils import timezone

    source = SourceRecord.objects.create(system=SourceSystem.objects.get(name="salesforce"), domain="customer",
                                         object_type="Account", source_id="001X", content_hash="h",
                                         received_at=timezone.now())
    CrossReference.objects.create(source_record=source, domain="customer", golden_id=customer.pk, linked_by="test")
    answer = api.as_user(carol).post(URL, {"customer": {"system": "salesforce", "object_type": "Account",
                                                        "source_id": "001X"},
                                           "legal_entity": GMBH, "currency": "EUR", "amount": 5}, format="json")
    assert answer.status_code == 200 and answer.json()["customer"] == customer.pk


def test_a_request_it_cannot_read_is_a_400_with_field_errors(api, carol, db):
    answer = api.as_user(carol).post(URL, {"customer": "", "currency": "EURO", "amount": -1}, format="json")
    assert answer.status_code == 400
    assert {"customer", "legal_entity", "currency", "amount"} <= set(answer.json()["errors"]
                                                                     if "errors" in answer.json() else answer.json())


def test_an_unknown_customer_is_a_400(api, carol, db):
    answer = api.as_user(carol).post(URL, {"customer": "CUS-0000000000", "legal_entity": GMBH, "currency": "EUR",
                                           "amount": 5}, format="json")
    assert answer.status_code == 400


def test_the_url_is_named(db):
    assert reverse("orchestration:validate-order") == URL
