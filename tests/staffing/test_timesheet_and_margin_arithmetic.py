"""The billing batch's and the margin's arithmetic, without a database."""

from datetime import date
from decimal import Decimal

from staffing import margins, timesheets
from staffing.timesheets import Entry

D = Decimal
MONDAY = date(2026, 11, 16)


def test_a_week_is_approved_once_it_is_over_and_its_grace_days_passed():
    assert not timesheets.week_approved(MONDAY, date(2026, 11, 24), grace_days=2)
    assert timesheets.week_approved(MONDAY, date(2026, 11, 25), grace_days=2)


def test_hours_add_up_per_project_week_and_person():
    totals = timesheets.week_totals([Entry("P1", "ada", MONDAY, D("8")), Entry("P1", "ada", date(2026, 11, 22), D("2")),
                                     Entry("P1", "bob", MONDAY, D("4")), Entry("P1", "ada", date(2026, 11, 23), D("1"))])
    assert totals == {("P1", MONDAY): {"ada": D("10"), "bob": D("4")}, ("P1", date(2026, 11, 23)): {"ada": D("1")}}


def test_a_week_is_sent_whole_once_then_only_its_differences():
    assert timesheets.still_to_send({"ada": D("10")}, {}) == {"ada": D("10")}
    assert timesheets.still_to_send({"ada": D("10")}, {"ada": D("10")}) == {}
    assert timesheets.still_to_send({"ada": D("8"), "cy": D("3")}, {"ada": D("10"), "bob": D("4")}) == {
        "ada": D("-2"), "bob": D("-4"), "cy": D("3")}


def test_margin_is_what_recognized_revenue_keeps_after_cost():
    figures = margins.Figures(hours=D("10"), cost=D("800"), revenue_recognized=D("1000"), revenue_invoiced=D("0"))
    assert figures.margin == D("0.2000")
    assert margins.Figures(hours=D("1"), cost=D("80"), revenue_recognized=D("0"), revenue_invoiced=D("0")).margin is None


def test_fixed_fee_revenue_follows_the_share_of_budget_spent():
    assert margins.recognized(billing_type="fixed_fee", time_value=D("0"), cost=D("2500"), contract_value=D("20000"),
                              budget=D("10000")) == D("5000.00")
    assert margins.recognized(billing_type="fixed_fee", time_value=D("0"), cost=D("20000"), contract_value=D("20000"),
                              budget=D("10000")) == D("20000.00")  # capped at the whole
    assert margins.recognized(billing_type="time_and_materials", time_value=D("1500"), cost=D("900"),
                              contract_value=None, budget=None) == D("1500")


def test_the_floor_is_the_service_lines_else_the_default():
    floors = {"default": 0.25, "Strategy": 0.35}
    assert margins.floor_for("strategy", floors) == D("0.35")
    assert margins.floor_for("Cloud Migration", floors) == D("0.25")
    assert margins.below(D("0.30"), D("0.35")) and not margins.below(None, D("0.35"))
