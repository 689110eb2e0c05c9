"""The flow's state machine and its rules, without a database."""

import pytest

from orchestration import machine, rules
from orchestration.machine import StepResult

POLICY = rules.policy_read()


def opportunity(**changes):
    base = {"source_id": "006Dn0000000042AAE", "name": "Acme Strategy", "won": True, "stage": "Closed Won",
            "amount": 120000.0, "currency": "EUR", "close_date": "2026-07-01", "billing_type": "fixed_fee",
            "service_line": "Strategy", "customer_source_id": "001A"}
    return {**base, **changes}


def test_a_clean_opportunity_has_no_problems():
    assert rules.opportunity_check(opportunity(), {"country": "DE"}, POLICY) == []


def test_each_check_names_its_problem():
    problems = rules.opportunity_check(
        opportunity(won=False, stage="Negotiation", currency="XXX", service_line="Juggling", amount=0,
                    close_date=None, billing_type="barter"),
        {"country": "ZZ", "credit_status": "blocked"}, POLICY)
    assert {p.check for p in problems} == {"stage", "legal_entity", "tax", "currency", "credit", "service_line",
                                           "contract"}


def test_fixed_fee_schedule_splits_the_value_and_carries_the_rate_card():
    contract = {"number": "C-1", "start_date": "2026-07-01", "end_date": "2027-06-30", "total_value": "100000.00",
                "currency": "EUR", "billing_type": "fixed_fee"}
    schedule = rules.billing_schedule(contract, service_line="Strategy", policy=POLICY)
    assert len(schedule["lines"]) == 12 and schedule["frequency"] == "monthly"
    assert sum(float(line["amount"]) for line in schedule["lines"]) == 100000.0
    assert schedule["rates"]["partner"] == 420
    quarterly = rules.billing_schedule({**contract, "billing_type": "time_and_materials"},
                                       service_line="Change Management", policy=POLICY)
    assert len(quarterly["lines"]) == 4 and {line["basis"] for line in quarterly["lines"]} == {"actuals"}


def test_a_schedule_needs_a_term():
    with pytest.raises(rules.PolicyError):
        rules.billing_schedule({"number": "C-2", "start_date": None, "end_date": None}, service_line="Strategy",
                               policy=POLICY)


def test_project_from_template():
    project = rules.project_from_template(opportunity(), {"total_value": "100000.00", "start_date": "2026-07-01"},
                                          POLICY)
    assert project["code"] == "STR-00042AAE" and project["budget"] == "80000.00" and project["status"] == "planned"


def test_steps_run_in_order_and_a_failure_stops_the_flow():
    states = {name: machine.PENDING for name in machine.STEPS}
    assert machine.current_step(states) == machine.VALIDATE
    states.update({machine.VALIDATE: machine.DONE, machine.CUSTOMER: machine.DONE, machine.CONTRACT: machine.DONE,
                   machine.PROJECT: machine.DONE,
                   machine.BILLING: machine.step_state_after(StepResult.failed("refused"))})
    assert machine.flow_state_of(states) == machine.FLOW_FAILED
    assert machine.replay_step(states, machine.FLOW_FAILED) == machine.BILLING
    assert machine.compensation_plan(states, machine.FLOW_FAILED) == [machine.PROJECT]
    states[machine.BILLING] = machine.SKIPPED
    states[machine.PUBLISH] = machine.DONE
    assert machine.current_step(states) is None and machine.flow_state_of(states) == machine.FLOW_DONE
    with pytest.raises(machine.TransitionError):
        machine.replay_step(states, machine.FLOW_DONE)


def test_waiting_for_the_council_is_its_own_flow_state():
    states = {machine.VALIDATE: machine.RUNNING}
    assert machine.flow_state_of(states, waiting_for="council") == machine.FLOW_WAITING
    assert machine.flow_state_of(states, waiting_for="delivery") == machine.FLOW_RUNNING
