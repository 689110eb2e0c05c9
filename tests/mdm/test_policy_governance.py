"""The policy file's [governance]: who applies a kind of change, checked when the file is read."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from mdm.policy import governance_of, read_policy


def policy_with(tmp_path: Path, governance: str) -> Path:
    text = Path(django_settings.CONCORD_POLICY_FILE).read_text()
    start = text.index("[governance]")
    end = text.index("\n\n", start)
    path = tmp_path / "policy.toml"
    path.write_text(text[:start] + "[governance]\n" + governance + text[end:])
    return path


def test_match_rules_are_the_councils_by_default():
    assert governance_of("match_rules", "customer") == "council"
    assert governance_of("a change nobody named", "customer") == "council"


def test_a_table_names_domains_and_the_others_stay_with_the_council(tmp_path, settings):
    settings.CONCORD_POLICY_FILE = policy_with(tmp_path, 'match_rules = { project = "steward" }')
    assert governance_of("match_rules", "project") == "steward"
    assert governance_of("match_rules", "customer") == "council"


@pytest.mark.parametrize("governance", ['match_rules = "anyone"', 'match_rules = { supplier = "steward" }'])
def test_an_unknown_level_or_domain_is_refused_when_the_file_is_read(tmp_path, governance):
    with pytest.raises(ValueError, match="governance"):
        read_policy(policy_with(tmp_path, governance))
