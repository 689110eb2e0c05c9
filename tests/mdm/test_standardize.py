from decimal import Decimal

import pytest

from mdm import standardize as std


@pytest.mark.parametrize("raw, code", [
    ("USA", "US"), ("United States", "US"), ("United Kingdom", "GB"), ("UK", "GB"), ("Deutschland", "DE"),
    ("Holland", "NL"), ("the Netherlands", "NL"), ("france", "FR"), ("DEU", "DE"), ("Österreich", "AT"),
    ("Côte d'Ivoire", "CI"),
])
def test_country_names_and_variants_become_iso_codes(raw, code):
    assert std.country(raw) == code


@pytest.mark.parametrize("raw, code", [
    ("République française", "FR"), ("Bundesrepublik Deutschland", "DE"), ("Confederazione Svizzera", "CH"),
    ("Hrvatska", "HR"), ("Lietuva", "LT"), ("Eesti", "EE"), ("Србија", "RS"), ("Magyarország", "HU"),
    ("日本", "JP"), ("Ελλάδα", "GR"),
])
def test_countries_are_known_by_their_own_names_in_their_own_languages(raw, code):
    assert std.country(raw) == code


def test_every_country_spelling_the_demo_data_and_the_simulators_use_is_known():
    from connectors.simulators.data import COUNTRIES
    from mdm.demo_data import COUNTRY_CURRENCIES, demo_records

    spellings = {spelling: code for code, (names, *_rest) in COUNTRIES.items() for spelling in (code, *names)}
    for spelling, code in spellings.items():
        assert std.country(spelling) == code, spelling
    assert all(std.country(spelling) for spelling in COUNTRY_CURRENCIES)
    countries = {record.canonical.get("country") for batch in demo_records(customers=60).values() for record in batch}
    assert {spelling for spelling in countries if spelling} - set(COUNTRY_CURRENCIES) == {"Atlantis"}  # the demo's unusable one


def test_an_unknown_country_is_an_error_not_a_guess():
    with pytest.raises(std.InvalidValue, match="unknown country 'Atlantis'"):
        std.country("Atlantis")


def test_blank_optional_values_are_none_not_errors():
    assert std.country("  ") is None
    assert std.phone("", "DE") is None
    assert std.date_value(None) is None


@pytest.mark.parametrize("raw, iso", [
    ("2026-03-01", "2026-03-01"), ("01.03.2026", "2026-03-01"), ("01/03/2026", "2026-03-01"),
    ("2026-03-01T10:00:00Z", "2026-03-01"), ("1 Mar 2026", "2026-03-01"), ("March 1, 2026", "2026-03-01"),
])
def test_dates_in_common_formats_become_iso(raw, iso):
    assert std.date_value(raw) == iso


def test_an_unparseable_date_is_an_error():
    with pytest.raises(std.InvalidValue, match="unparseable date"):
        std.date_value("next tuesday")


@pytest.mark.parametrize("raw, value", [
    ("$1,234.50", "1234.50"), ("1.234,50 €", "1234.50"), ("120,000", "120000.00"), ("120.000", "120000.00"),
    (1500, "1500.00"), (Decimal("9.999"), "10.00"), ("-250.5", "-250.50"),
])
def test_amounts_are_normalized_to_two_places(raw, value):
    assert std.amount(raw) == value


def test_an_amount_without_digits_is_an_error():
    with pytest.raises(std.InvalidValue):
        std.amount("a lot")


def test_phones_become_e164_read_in_the_records_country():
    assert std.phone("030 1234567", "DE") == "+49301234567"
    assert std.phone("(212) 555-0147", "US") == "+12125550147"
    assert std.phone("0044 20 7946 0958", None) == "+442079460958"


def test_currency_must_be_iso_4217():
    assert std.currency("eur") == "EUR"
    assert std.currency("$") == "USD"
    with pytest.raises(std.InvalidValue, match="ISO 4217"):
        std.currency("EURO")


def test_websites_are_reduced_to_their_host():
    assert std.website("https://www.Acme.com/about?x=1") == "acme.com"


def test_tax_ids_lose_formatting_and_country_prefix():
    assert std.tax_id("DE 123 456 789", "DE") == "123456789"
    assert std.tax_id("123-45-6789", "US") == "123456789"


def test_iso_dates_read_directly_and_impossible_days_are_still_refused():
    assert std.date_value("2026-03-09") == "2026-03-09"
    assert std.date_value(" 2026-03-09 ") == "2026-03-09"
    with pytest.raises(std.InvalidValue, match="unparseable date '2026-02-30'"):
        std.date_value("2026-02-30")
    with pytest.raises(std.InvalidValue, match="unparseable date '2026-W10-1'"):
        std.date_value("2026-W10-1")  # an ISO week date: no source sends one for a calendar date


@pytest.mark.parametrize("raw, iso", [
    ("2026-06-01T10:00:00Z", "2026-06-01T10:00:00+00:00"),
    ("2026-06-01T10:00:00+02:00", "2026-06-01T10:00:00+02:00"),
    ("2026-06-01 10:00", "2026-06-01T10:00:00+00:00"),  # no offset: UTC
    ("2026-06-01", "2026-06-01T00:00:00+00:00"),
])
def test_iso_timestamps_are_read_with_their_offset(raw, iso):
    assert std.timestamp(raw).isoformat() == iso


@pytest.mark.parametrize("raw, message", [
    ("2026-13-45T00:00:00Z", "'2026-13-45T00:00:00Z' is not a real date and time (month must be in 1..12)"),
    ("2026-02-30T10:00:00Z", "'2026-02-30T10:00:00Z' is not a real date and time (day is out of range for month)"),
    ("last week", "'last week' is not an ISO 8601 datetime"),
    ("9999-12-31T23:00:00-05:00", "'9999-12-31T23:00:00-05:00' is out of range"),
])
def test_a_timestamp_that_names_no_moment_is_an_error_with_its_reason(raw, message):
    with pytest.raises(std.InvalidValue) as error:
        std.timestamp(raw)
    assert str(error.value) == message
