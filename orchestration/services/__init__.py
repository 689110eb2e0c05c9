"""Orchestration's services, one module a concern; views, tasks and commands call these.

- `flows`: start, advance (the flow engine), replay, cancel with compensation;
- `steps`: the six steps (validate, ERP customer, contract, PSA project, billing, publish);
- `billing`: billing schedules per contract version, change orders, settling deliveries;
- `council`: what approving or rejecting a flow's change request does;
- `closed_won`: closed-won opportunities from CRM change events and pulls;
- `common`: the policy, the flows user, the event log, golden records a flow adds and follows.
"""
