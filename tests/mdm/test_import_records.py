import pytest
from django.core.management import CommandError, call_command

from mdm.models import Contract, Customer, QuarantinedRecord

pytestmark = pytest.mark.django_db

CUSTOMERS = """source_id,name,country,phone,tax_id,crm_owner,source_updated_at
A1,Acme GmbH,Deutschland,030 1234567,DE 123 456 789,jane,2026-06-01T00:00:00Z
A2,Globex Ltd,United Kingdom,020 7946 0958,,joe,2026-06-01T00:00:00Z
A3,,USA,,,joe,2026-06-01T00:00:00Z
A4,Lost Co,Atlantis,,,joe,2026-06-01T00:00:00Z
"""


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_records", *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.fixture
def customers_csv(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CUSTOMERS)
    return path


def test_import_reports_created_and_quarantined_with_reasons(customers_csv):
    output = run("--system", "salesforce", "--domain", "customer", str(customers_csv))
    assert output.startswith("created 2, updated 0, unchanged 0, stale 0, quarantined 2")
    assert "quarantined A3: name: a customer needs a name" in output
    assert "quarantined A4: country: unknown country 'Atlantis'" in output
    assert Customer.objects.count() == 2
    # Columns that are not canonical attributes are kept in the raw payload.
    assert QuarantinedRecord.objects.get(source_id="A4").payload["crm_owner"] == "joe"


def test_reimporting_the_same_file_reports_everything_unchanged(customers_csv):
    run("--system", "salesforce", "--domain", "customer", str(customers_csv))
    output = run("--system", "salesforce", "--domain", "customer", str(customers_csv))
    assert output.startswith("created 0, updated 0, unchanged 2, stale 0, quarantined 2")
    assert QuarantinedRecord.objects.count() == 2


def test_related_records_are_referenced_by_their_source_ids(customers_csv, tmp_path):
    run("--system", "salesforce", "--domain", "customer", str(customers_csv))
    contracts = tmp_path / "contracts.csv"
    contracts.write_text("source_id,number,customer_source_id,total_value,currency,start_date\n"
                         "C1,SO-1,A1,\"1.500,00\",EUR,01.02.2026\n")
    run("--system", "salesforce", "--domain", "contract", str(contracts))
    contract = Contract.objects.get()
    assert contract.customer.name == "Acme GmbH"
    assert (str(contract.total_value), contract.start_date.isoformat()) == ("1500.00", "2026-02-01")


@pytest.mark.parametrize("args, message", [
    (["--system", "sap", "--domain", "customer", "x.csv"], "unknown system 'sap'"),
    (["--system", "csv", "--domain", "planet", "x.csv"], "unknown domain 'planet'"),
    (["--system", "csv", "--domain", "customer", "/no/such/file.csv"], "no such file: /no/such/file.csv"),
])
def test_bad_arguments_are_a_one_line_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
