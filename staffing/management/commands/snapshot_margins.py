"""python manage.py snapshot_margins: today's margin snapshot of every project with time on it, as
the daily task takes it, and the projects below their floor."""

from django.core.management.base import BaseCommand

from staffing.services import margin_snapshots_take


class Command(BaseCommand):
    help = "Take today's margin snapshot of every project (as the daily task does)."

    def handle(self, *args, **options):
        snapshots = margin_snapshots_take()
        for snapshot in snapshots:
            if snapshot.below_floor:
                self.stdout.write(self.style.WARNING(f"  {snapshot.project_id}: margin {snapshot.margin:.1%} below "
                                                     f"its floor of {snapshot.floor:.0%}"))
        below = sum(s.below_floor for s in snapshots)
        self.stdout.write(self.style.SUCCESS(f"{len(snapshots)} projects, {below} below their floor"))
