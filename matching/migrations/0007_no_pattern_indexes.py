"""Drop Django's varchar_pattern_ops twins of this app's indexes on PostgreSQL (see mdm.db.pattern_indexes)."""

from django.db import migrations

from mdm.db.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [("matching", "0006_blocking_keys_hashed")]

    operations = [drop_pattern_indexes("matching")]
