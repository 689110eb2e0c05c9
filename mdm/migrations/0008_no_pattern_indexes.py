"""Drop Django's varchar_pattern_ops twins of this app's indexes on PostgreSQL (see mdm.db.pattern_indexes)."""

from django.db import migrations

from mdm.db.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):
    dependencies = [("mdm", "0007_fewer_index_entries_per_record")]

    operations = [drop_pattern_indexes("mdm")]
