import codecs

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


def run_failing(capsys, monkeypatch, *args):
    """The command as manage.py runs it from a shell: its exit code and what it printed on stderr."""
    from django.db import connections

    from mdm.management.commands.import_records import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)  # the test's connection stays open
    with pytest.raises(SystemExit) as stopped:
        Command().run_from_argv(["manage.py", "import_records", *args])
    return stopped.value.code, capsys.readouterr().err


GOOD_ROW = "G{i},Good Firm {i},DE,2026-06-01T00:00:00Z\n"
HEADER = "source_id,name,country,source_updated_at\n"


def test_an_impossible_timestamp_quarantines_its_row_and_the_rest_lands(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "A1,Acme,DE,2026-06-01T00:00:00Z\nA2,Globex,DE,2026-13-45T00:00:00Z\n"
                    "A3,Initech,DE,2026-02-30T10:00:00Z\nA4,Umbrella,DE,2026-06-02T00:00:00Z\n")
    output = run("--system", "csv", "--domain", "customer", str(path))
    assert output.startswith("created 2, updated 0, unchanged 0, stale 0, quarantined 2")
    assert ("quarantined A2: source_updated_at: '2026-13-45T00:00:00Z' is not a real date and time "
            "(month must be in 1..12)") in output
    assert "day is out of range for month" in QuarantinedRecord.objects.get(source_id="A3").reason
    assert set(Customer.objects.values_list("name", flat=True)) == {"Acme", "Umbrella"}


def test_a_field_over_the_limit_quarantines_its_row_and_every_other_row_lands(tmp_path):
    path = tmp_path / "customers.csv"
    with path.open("w") as handle:
        handle.write(HEADER)
        handle.writelines(GOOD_ROW.format(i=i) for i in range(2_500))
        handle.write(f"BIG,{'x' * (1 << 20)},DE,2026-06-01T00:00:00Z\n")
        handle.writelines(GOOD_ROW.format(i=i) for i in range(2_500, 2_600))
    output = run("--system", "csv", "--domain", "customer", str(path))
    assert output.startswith("created 2600, updated 0, unchanged 0, stale 0, quarantined 1")
    big = QuarantinedRecord.objects.get(source_id="BIG")
    assert big.errors["name"] == ["field name on line 2,502 is 1,048,576 bytes, over the limit of 131,072"]
    assert len(big.payload["name"]) < 200  # the record is kept, not the megabyte
    assert Customer.objects.count() == 2600


def test_a_file_that_is_not_utf8_stops_before_writing_with_one_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "customers.csv"
    good = "".join(GOOD_ROW.format(i=i) for i in range(2_500)).encode()
    path.write_bytes(HEADER.encode() + good + "Z1,Société Générale,FR,\n".encode("cp1252"))
    code, stderr = run_failing(capsys, monkeypatch, "--system", "csv", "--domain", "customer", str(path))
    assert code == 1
    assert stderr.strip().splitlines() == [
        "CommandError: customers.csv line 2,502: bytes not UTF-8 (e9); nothing was imported: pass --encoding "
        "with the file's encoding, e.g. --encoding cp1252 (Windows, Excel) or latin-1"]
    assert Customer.objects.count() == 0  # not the 2,500 good rows before it either


def test_the_encoding_can_be_named(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(codecs.BOM_UTF8 + (HEADER + "Z0,Müller AG,DE,\n").encode())  # as Excel saves UTF-8
    assert run("--system", "csv", "--domain", "customer", str(path)).startswith("created 1")
    path.write_bytes((HEADER + "Z1,Société Générale,FR,\n").encode("cp1252"))
    assert run("--system", "csv", "--domain", "customer", "--encoding", "cp1252", str(path)).startswith("created 1")
    assert Customer.objects.filter(name__in=["Müller AG", "Société Générale"]).count() == 2


@pytest.mark.parametrize("content, message", [
    ("", "customers.csv: no header row; nothing was imported"),
    ("name,country\nAcme,DE\n", "customers.csv line 1: no source_id column (the header names name, country)"),
    ("source_id,name,name\n1,a,b\n", "customers.csv line 1: column 'name' named twice"),
    (HEADER + 'A1,"Acme" Corp,DE,\nA2,Globex,DE,\n', "customers.csv line 2: ',' expected after '\"'"),
    (HEADER + 'A1,"Acme,DE,\n' + "A2,Globex,DE,\n" * 3, "customers.csv line 2: unexpected end of data"),
])
def test_a_file_that_cannot_be_read_as_records_stops_before_writing(tmp_path, content, message):
    path = tmp_path / "customers.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as error:
        run("--system", "csv", "--domain", "customer", str(path))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    assert Customer.objects.count() == 0


def test_a_quote_left_open_over_many_rows_stops_rather_than_swallowing_them(tmp_path):
    path = tmp_path / "customers.csv"
    rows = "".join(GOOD_ROW.format(i=i) for i in range(20_000))
    path.write_text(HEADER + 'A1,"Acme,DE,\n' + rows + 'A2,Globex",DE,\n')
    with pytest.raises(CommandError, match=r"line 2: a quoted field runs on to line 20,003 .* a quote left open"):
        run("--system", "csv", "--domain", "customer", str(path))
    assert Customer.objects.count() == 0


def test_a_row_with_more_fields_than_the_header_is_quarantined(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + "A1,Acme,DE,,surplus\nA2,Globex,DE,\n")
    output = run("--system", "csv", "--domain", "customer", str(path))
    assert output.startswith("created 1, updated 0, unchanged 0, stale 0, quarantined 1")
    assert "quarantined A1: row: line 2 has 5 fields; the header names 4" in output
