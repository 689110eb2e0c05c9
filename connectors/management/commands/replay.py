"""python manage.py replay [--system S] [--id N ...] [--all-dead]: dead outbox messages back to pending."""

from django.core.management.base import BaseCommand, CommandError

from mdm.services.outbox import outbox_replay


class Command(BaseCommand):
    help = "Put dead outbound messages back in the queue; the next delivery run sends them."

    def add_arguments(self, parser):
        parser.add_argument("--system")
        parser.add_argument("--id", type=int, action="append", dest="ids")
        parser.add_argument("--all-dead", action="store_true")

    def handle(self, *args, system, ids, all_dead, **options):
        if not ids and not all_dead:
            raise CommandError("say which messages: --id N (repeatable) or --all-dead")
        count = outbox_replay(system=system, ids=ids, all_dead=all_dead)
        self.stdout.write(f"{count} dead message{'s' if count != 1 else ''} back to pending")
