"""Data quality's own data: rules (seeded from config/quality_rules.toml, edited in the admin), the
violations they find on golden records, and quality scores kept over time."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from mdm.choices import Domain


class RuleKind(models.TextChoices):
    REQUIRED = "required", "Required"
    FORMAT = "format", "Format (regular expression)"
    REFERENCE = "reference", "Reference list"
    CROSS_FIELD = "cross_field", "Cross-field"
    CROSS_DOMAIN = "cross_domain", "Cross-domain"


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"


class ViolationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"


class QualityRule(models.Model):
    """One data-quality rule of a domain. `params` depend on the kind (see quality.rules)."""

    code = models.SlugField(max_length=80, unique=True, help_text="domain.name, e.g. customer.de_vat_id")
    domain = models.CharField(max_length=10, choices=Domain.choices)
    kind = models.CharField(max_length=14, choices=RuleKind.choices)
    attribute = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.ERROR)
    description = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)
    rules_version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain", "code"]

    def __str__(self) -> str:
        return self.code

    def compiled(self):
        from mdm.canonical import attribute_names
        from quality.rules import rule_from

        return rule_from(key=self.pk, code=self.code, domain=self.domain, kind=self.kind, attribute=self.attribute,
                         params=self.params, message=self.description, severity=self.severity,
                         attributes={domain: attribute_names(domain) for domain in Domain.values})

    def clean(self) -> None:
        from quality.rules import RuleError

        try:
            self.compiled()
        except RuleError as error:
            raise ValidationError({"params": [str(error)]}) from None


class Violation(models.Model):
    """A golden record failing a rule: a tracked exception with an owner and an age.

    Opened by evaluation (at ingestion and on demand); closed by evaluation when the record passes
    again, or by a steward (resolved / waived). A rule and record have at most one open violation."""

    rule = models.ForeignKey(QualityRule, on_delete=models.CASCADE, related_name="violations")
    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id = models.CharField(max_length=24, db_index=True)
    attribute = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.ERROR)
    status = models.CharField(max_length=10, choices=ViolationStatus.choices, default=ViolationStatus.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Empty: the domain's stewards as a group.")
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="Empty with resolved_at set: closed by evaluation.")
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "golden_id"], condition=models.Q(status="open"),
                                    name="one_open_violation_per_rule_and_record"),
        ]
        indexes = [models.Index(fields=["status", "domain"], name="violation_by_status")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.golden_id} ({self.status})"


class ScoreScope(models.TextChoices):
    GOLDEN = "golden", "Golden records"
    SYSTEM = "system", "Source system"


class QualityScore(models.Model):
    """Share of records passing every active rule, at one moment: per domain over golden records,
    or per domain and source system over that system's source records."""

    taken_at = models.DateTimeField(db_index=True)
    scope = models.CharField(max_length=8, choices=ScoreScope.choices)
    domain = models.CharField(max_length=10, choices=Domain.choices)
    system = models.CharField(max_length=40, blank=True, help_text="Source system name (system scope).")
    records = models.PositiveIntegerField()
    passing = models.PositiveIntegerField()
    score = models.FloatField(help_text="passing / records; 1.0 when there are no records.")

    class Meta:
        ordering = ["-taken_at", "scope", "domain", "system"]

    def __str__(self) -> str:
        return f"{self.domain}/{self.system or 'golden'} {self.score:.1%} at {self.taken_at:%Y-%m-%d %H:%M}"
