"""Django admin: the rules are configuration (edited here, seeded from config/quality_rules.toml).
Violations are handled in the console's Data quality page."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quality.models import QualityRule


@admin.register(QualityRule)
class QualityRuleAdmin(SimpleHistoryAdmin):
    list_display = ("code", "domain", "kind", "attribute", "severity", "is_active", "rules_version")
    list_filter = ("domain", "kind", "severity", "is_active")
    search_fields = ("code", "attribute", "description")
