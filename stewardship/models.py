"""The console's own data: who stewards which slice of the hub, and changes waiting for the council.

Golden data stays in mdm; a change request only describes an action that mdm services carry out
once a council member approves it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from mdm.choices import Domain


class StewardScope(models.Model):
    """Narrows a user's role permissions to one domain and, for customers, to some countries.

    A user with scope rows acts only in the domains named here (the role group still has to grant
    the model permission). `countries` empty means every country."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="steward_scopes")
    domain = models.CharField(max_length=10, choices=Domain.choices)
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166 alpha-2 codes; empty = all.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "domain"], name="one_scope_per_user_domain")]
        ordering = ["user", "domain"]

    def __str__(self) -> str:
        return f"{self.user}: {self.domain} {','.join(self.countries) or 'all countries'}"


class ChangeKind(models.TextChoices):
    OVERRIDE = "override", "Override a value"
    MERGE = "merge", "Merge golden records"
    UNMERGE = "unmerge", "Undo a merge"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the council"
    APPROVED = "approved", "Approved and applied"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by the requester"


class ChangeRequest(models.Model):
    """A governed change a steward asked for: applied by the same mdm service once the council
    approves it. `payload` describes the action, e.g.
    {"action": "override", "attribute": "tax_id", "value": "DE123", "mode": "pinned", "until": null},
    {"action": "override_remove", "override_id": 4, "attribute": "tax_id", "value": "DE123"},
    {"action": "merge", "survivor_id": "CUS-…", "merged_id": "CUS-…", "candidate_id": 7} (once approved
    with the "merge_event_id" it made) or
    {"action": "unmerge", "merged_id": "CUS-…", "survivor_id": "CUS-…", "merge_event_id": 12}."""

    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id = models.CharField(max_length=24, db_index=True)
    payload = models.JSONField(default=dict)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.golden_id} ({self.status})"

    @property
    def summary(self) -> str:
        p = self.payload
        if p.get("action") == "override":
            return f"set {p.get('attribute')} to {p.get('value')!r} ({p.get('mode')})"
        if p.get("action") == "override_remove":
            return f"remove the override of {p.get('attribute')} ({p.get('value')!r})"
        if p.get("action") == "merge":
            return f"merge {p.get('merged_id')} into {p.get('survivor_id')}"
        if p.get("action") == "unmerge":
            return f"undo the council's merge of {p.get('merged_id')} into {p.get('survivor_id')}"
        from stewardship.extensions import council_action

        extra = council_action(p.get("action"))
        return extra.summary(p) if extra is not None else str(p)


class SavedView(models.Model):
    """A steward's named way of looking at the golden-record browser ("German customers failing
    quality, newest first"): the browser's query string, without its page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    domain = models.CharField(max_length=10, choices=Domain.choices)
    query = models.CharField(max_length=2000, blank=True, help_text="The browser's filters, sort and columns.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_saved_view_name_per_user")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"
