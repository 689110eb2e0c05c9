"""The blocking index stores 64-bit hashes of its keys instead of their text (see BlockingKey)."""

from hashlib import blake2b

from django.db import migrations, models


def _hash(domain: str, key: str) -> int:
    # The same function as matching.index.key_hash, frozen here as migrations must be.
    return int.from_bytes(blake2b(f"{domain}|{key}".encode(), digest_size=8).digest(), "big", signed=True)


def hash_existing_keys(apps, schema_editor):
    BlockingKey = apps.get_model("matching", "BlockingKey")
    batch = []
    for row in BlockingKey.objects.only("id", "domain", "key").iterator(chunk_size=5000):
        row.key_hash = _hash(row.domain, row.key)
        batch.append(row)
        if len(batch) >= 5000:
            BlockingKey.objects.bulk_update(batch, ["key_hash"])
            batch = []
    BlockingKey.objects.bulk_update(batch, ["key_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ("matching", "0005_match_candidate_history"),
    ]

    operations = [
        migrations.AddField(model_name="blockingkey", name="key_hash", field=models.BigIntegerField(null=True)),
        migrations.RunPython(hash_existing_keys, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="blockingkey", name="blocking_key_by_key"),
        migrations.RemoveField(model_name="blockingkey", name="key"),
        migrations.AlterField(model_name="blockingkey", name="key_hash", field=models.BigIntegerField()),
        migrations.AddIndex(model_name="blockingkey",
                            index=models.Index(fields=["key_hash"], name="blocking_key_by_hash")),
    ]
