"""Which steward changes need the master data council's approval (four-eyes) before they apply.

Stand-ins for the real governance rules: a customer's tax id and legal entity are legal facts, and
merging two customers that both already have contracts (i.e. ERP invoices) touches accounting.
A domain's matching thresholds follow the policy file's [governance] match_rules (council by default)."""

from __future__ import annotations

from mdm.choices import Domain
from mdm.models import Contract
from mdm.policy import governance_of

GOVERNED_ATTRIBUTES = {Domain.CUSTOMER: {"tax_id", "legal_entity"}}


def override_needs_approval(domain: str, attribute: str) -> bool:
    return attribute in GOVERNED_ATTRIBUTES.get(domain, set())


def merge_needs_approval(domain: str, survivor_id: str, merged_id: str) -> bool:
    if domain != Domain.CUSTOMER:
        return False
    with_contracts = set(Contract.objects.filter(customer_id__in=[survivor_id, merged_id])
                         .values_list("customer_id", flat=True).distinct())
    return {survivor_id, merged_id} <= with_contracts


def match_rules_need_approval(domain: str) -> bool:
    """A domain's matching thresholds (and fitting its model again) change every match decision
    at once: the council approves them unless the policy file leaves them to stewards."""
    return governance_of("match_rules", domain) == "council"
