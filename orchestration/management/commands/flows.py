"""python manage.py flows list|show <id>|start <opportunity id>|replay <id>|cancel <id> --reason R|advance|poll

The same services the flows page and the Celery tasks call."""

from django.core.management.base import BaseCommand, CommandError

from orchestration.models import Flow
from orchestration.services import flows as services
from orchestration.services.closed_won import closed_won_poll


class Command(BaseCommand):
    help = "Opportunity-to-project flows: list, show, start, replay, cancel, advance, poll the CRM."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "show", "start", "replay", "cancel", "advance", "poll"])
        parser.add_argument("target", nargs="?", help="flow id (show, replay, cancel) or opportunity id (start)")
        parser.add_argument("--crm", default="", help="CRM system of the opportunity (start); default from policy")
        parser.add_argument("--reason", default="", help="why (cancel)")

    def handle(self, *args, action, target, crm, reason, **options):
        try:
            if action == "list":
                for flow in Flow.objects.order_by("-updated_at")[:100]:
                    self.stdout.write(f"{flow.pk:>5}  {flow.state:<17} {flow.current_step or '-':<17} "
                                      f"{flow.crm_system}:{flow.opportunity_id}  {flow.opportunity_name}")
            elif action == "show":
                flow = self._flow(target)
                self.stdout.write(f"flow {flow.pk} {flow.state} correlation {flow.correlation_id}")
                for step in flow.steps.all():
                    self.stdout.write(f"  {step.name:<17} {step.state:<11} {step.outcome} {step.error}")
            elif action == "start":
                if not target:
                    raise CommandError("start needs the opportunity id")
                flow, started = services.flow_start(crm_system=crm or services.policy()["crm"],
                                                    opportunity_id=target, actor="manage.py flows start")
                self.stdout.write(f"flow {flow.pk} {'started' if started else 'already exists'} ({flow.state})")
            elif action == "replay":
                flow = services.flow_replay(flow_id=self._flow(target).pk, actor="manage.py flows replay")
                self.stdout.write(f"flow {flow.pk} resumes at {flow.current_step}")
            elif action == "cancel":
                flow = services.flow_cancel(flow_id=self._flow(target).pk, actor="manage.py flows cancel",
                                            reason=reason)
                self.stdout.write(f"flow {flow.pk} cancelled")
            elif action == "advance":
                self.stdout.write(str(services.flows_advance()))
            else:
                self.stdout.write(str(closed_won_poll(crm_system=crm or None)))
        except services.FlowError as error:
            raise CommandError(str(error)) from None

    @staticmethod
    def _flow(target) -> Flow:
        if not target or not str(target).isdigit():
            raise CommandError("give the flow id")
        flow = Flow.objects.filter(pk=int(target)).first()
        if flow is None:
            raise CommandError(f"no flow {target}")
        return flow
