"""Celery tasks of matching: thin, they call matching.rematch."""

from celery import shared_task

from matching.rematch import rematch_shard, rematch_start


@shared_task(acks_late=True)
def rematch_shard_task(run_id: int, shard: int) -> int:
    return rematch_shard(run_id, shard)


def rematch_enqueue(domain: str, *, shards: int = 8) -> int:
    """Start a full re-match: one task per shard, shared by every worker listening."""
    run = rematch_start(domain, shards=shards)
    for shard in range(shards):
        rematch_shard_task.delay(run.id, shard)
    return run.id
