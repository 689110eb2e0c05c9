"""The configuration a batch applies, read once when it begins: `BatchConfiguration`.

An ingestion round's COPYs run on a helper thread (mdm.db.copy_line) and any statement sent after
them waits until they are done, so a round reads everything before it writes. Survivorship rules,
the systems a domain syncs back to, the matcher's model and the quality rules are configuration
the code applying them would otherwise read in the middle of a round: each such read was a wait
for the server while the writer sat idle. So an ingestion batch reads them all up front into one
frozen snapshot and hands it down — to survivorship, the outbox, the matcher (`matcher`: what its
class's `batch_configuration(domain)` read) and the receivers of golden_records_changed (`extras`:
what the readers registered with `batch_configuration_reader` read, e.g. quality's active rules).

A batch thereby applies the configuration as it stood when the batch began: an edit made while a
batch runs applies from the next batch on, as if the batch had run a moment earlier. Outside a
batch (a merge, a steward's override) `hub_configuration_read` reads only the hub's own part, and
the matcher and the receivers read theirs as they go.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mdm.models import SourceSystem
from mdm.policy import rules_for
from mdm.survivorship import Rule

_readers: dict[str, Callable[[str], Any]] = {}


@dataclass(frozen=True)
class BatchConfiguration:
    """What one batch of `domain` applies; shared by every round of the batch: never mutated."""

    domain: str
    default_rule: Rule
    attribute_rules: Mapping[str, Rule]
    sync_back_systems: tuple[SourceSystem, ...]
    matcher: Any = None  # the matcher's own part (its model); None: the matcher reads it itself
    extras: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def rule_of(self, attribute: str) -> Rule:
        """The survivorship rule of one attribute (the domain's default where it has none)."""
        return self.attribute_rules.get(attribute, self.default_rule)


def batch_configuration_reader(name: str, reader: Callable[[str], Any]) -> None:
    """Have every ingestion batch call `reader(domain)` when it begins and keep the answer as
    `extras[name]` (an app's AppConfig.ready registers its readers)."""
    _readers[name] = reader


def sync_back_systems_read(domain: str) -> tuple[SourceSystem, ...]:
    """The active systems golden records of `domain` are written back to."""
    return tuple(system for system in SourceSystem.objects.filter(is_active=True)
                 if domain in system.sync_back_domains)


def hub_configuration_read(domain: str) -> BatchConfiguration:
    """The hub's own configuration of `domain`: survivorship rules and sync-back systems."""
    default_rule, attribute_rules = rules_for(domain)
    return BatchConfiguration(domain=domain, default_rule=default_rule,
                              attribute_rules=MappingProxyType(dict(attribute_rules)),
                              sync_back_systems=sync_back_systems_read(domain))


def batch_configuration_read(domain: str, matcher_class: type) -> BatchConfiguration:
    """Everything an ingestion batch of `domain` applies, read now: the hub's part, the matcher's
    (its class's `batch_configuration(domain)`, when it has one) and the registered readers'."""
    hub = hub_configuration_read(domain)
    read_matcher = getattr(matcher_class, "batch_configuration", None)
    return BatchConfiguration(
        domain=domain, default_rule=hub.default_rule, attribute_rules=hub.attribute_rules,
        sync_back_systems=hub.sync_back_systems, matcher=read_matcher(domain) if read_matcher else None,
        extras=MappingProxyType({name: reader(domain) for name, reader in _readers.items()}))
