"""Which domains the hub writes back to a system, set like an admin's edit (load_policy --sync-back)."""

import pytest
from django.core.management import CommandError, call_command

from mdm.models import OutboxMessage, SourceSystem
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


def test_a_system_set_to_take_nothing_back_gets_no_messages(capsys):
    call_command("load_policy", "--sync-back", "tryton=")
    assert "tryton takes back: nothing" in capsys.readouterr().out
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("SF1", updated=at(1), name="Harbour Freight", country="DE", city="Hamburg")])
    assert not OutboxMessage.objects.filter(system__name="tryton").exists()
    assert OutboxMessage.objects.filter(system__name="netsuite").exists()


def test_the_domains_given_are_kept_by_the_next_load_until_a_reset():
    call_command("load_policy", "--sync-back", "tryton=project, customer")
    call_command("load_policy")
    assert SourceSystem.objects.get(name="tryton").sync_back_domains == ["customer", "project"]
    call_command("load_policy", "--reset")
    assert SourceSystem.objects.get(name="tryton").sync_back_domains == ["customer", "contract", "project"]


@pytest.mark.parametrize("setting, says", [("tryton", "write SYSTEM=DOMAINS"), ("tryton=invoices", "unknown domain"),
                                           ("sap=customer", "unknown system 'sap'")])
def test_a_bad_setting_is_refused_and_changes_nothing(setting, says):
    with pytest.raises(CommandError, match=says):
        call_command("load_policy", "--sync-back", setting)
    assert SourceSystem.objects.get(name="tryton").sync_back_domains == ["customer", "contract", "project"]
