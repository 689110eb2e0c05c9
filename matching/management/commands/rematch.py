from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from matching.models import RematchRun
from matching.rematch import rematch_shard, rematch_start
from matching.tasks import rematch_enqueue
from mdm.records import DOMAINS


class Command(BaseCommand):
    help = "Re-match a whole domain: score every blocked pair, merge clusters, open review candidates."

    def add_arguments(self, parser):
        parser.add_argument("domain")
        parser.add_argument("--shards", type=int, default=8)
        parser.add_argument("--workers", action="store_true",
                            help="Queue one Celery task per shard instead of running here.")

    def handle(self, *args, domain: str, shards: int, workers: bool, **options):
        if domain not in DOMAINS:
            raise CommandError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
        if workers:
            run_id = rematch_enqueue(domain, shards=shards)
            self.stdout.write(f"re-match #{run_id} queued as {shards} tasks")
            return
        run = rematch_start(domain, shards=shards)
        for shard in tqdm(range(shards), unit="shard", file=self.stderr, disable=options["verbosity"] == 0):
            rematch_shard(run.id, shard)
        run = RematchRun.objects.get(pk=run.id)
        self.stdout.write(f"re-match #{run.id}: {run.stats}")
