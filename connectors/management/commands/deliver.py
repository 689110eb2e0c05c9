"""python manage.py deliver [--system S] [--until-empty]: the outbox delivery the scheduled task
runs, in the terminal, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from connectors import delivery
from connectors.delivery import DeliveryReport, outbox_waiting
from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage, SourceSystem


class Command(BaseCommand):
    help = ("Deliver the outbox's due messages to the systems (as the scheduled task does); with "
            "--until-empty, wait out retries until nothing is left on its way.")

    def add_arguments(self, parser):
        parser.add_argument("--system", help="only this system's messages")
        parser.add_argument("--until-empty", action="store_true",
                            help="go on through back-offs until no message is pending or delivering")

    def handle(self, *args, system, until_empty, **options):
        if system and not SourceSystem.objects.filter(name=system).exists():
            known = ", ".join(SourceSystem.objects.order_by("name").values_list("name", flat=True)) or "none"
            raise CommandError(f"unknown system {system!r}; known systems: {known}")
        waiting, _due = outbox_waiting(system=system)
        bar = tqdm(total=waiting, desc=f"deliver {system or 'all systems'}", unit=" messages",
                   disable=options["verbosity"] == 0)

        def progress(done: DeliveryReport) -> None:
            bar.update(len(done.delivered) + len(done.skipped) + len(done.dead))
            bar.set_postfix(retried=len(done.retried), refresh=False)

        try:
            report = delivery.outbox_deliver(limit=None, system=system, until_empty=until_empty, progress=progress)
        finally:
            bar.close()
        left, _due = outbox_waiting(system=system)
        dead = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
        dead = dead.filter(system__name=system) if system else dead
        counts = report.as_dict()
        self.stdout.write(f"delivered {counts['delivered']}, skipped {counts['skipped']}, "
                          f"retried {counts['retried']}, dead {counts['dead']}; "
                          f"still on their way {left}, dead letters {dead.count()}")
