"""Celery tasks of matching: thin, they call matching.rematch, matching.rule_change and matching.teaching."""

from celery import shared_task
from django.contrib.auth import get_user_model

from matching.rematch import rematch_shard, rematch_start
from matching.resolution import domain_resolve
from matching.rule_change import rule_preview_run
from matching.teaching import label_requests_draw


@shared_task(acks_late=True)
def rematch_shard_task(run_id: int, shard: int) -> int:
    return rematch_shard(run_id, shard)


def rematch_enqueue(domain: str, *, shards: int = 8) -> int:
    """Start a full re-match: one task per shard, shared by every worker listening."""
    run = rematch_start(domain, shards=shards)
    for shard in range(shards):
        rematch_shard_task.delay(run.id, shard)
    return run.id


@shared_task(acks_late=True)
def rule_preview_task(preview_id: int) -> str:
    return rule_preview_run(preview_id).status


@shared_task(acks_late=True)
def domain_rematch_task(domain: str, acting_user_id: int | None, reason: str) -> str:
    """The batch re-match after a threshold change in a large domain."""
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    return domain_resolve(domain, refit=False, acting_user=user, reason=reason).describe()


@shared_task(acks_late=True)
def label_requests_draw_task(domain: str, limit: int) -> int:
    return len(label_requests_draw(domain=domain, limit=limit))
