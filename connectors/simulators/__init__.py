"""In-memory simulators of the systems Concord talks to, served over their real wire protocols."""

from connectors.simulators.bamboohr import BambooHRSimulator
from connectors.simulators.base import Faults, SimulatorServer, emit_change_events
from connectors.simulators.dynamics import DynamicsSimulator
from connectors.simulators.netsuite import NetSuiteSimulator
from connectors.simulators.salesforce import SalesforceSimulator

SIMULATORS = {"salesforce": SalesforceSimulator, "netsuite": NetSuiteSimulator, "dynamics": DynamicsSimulator,
              "bamboohr": BambooHRSimulator}

__all__ = ["SIMULATORS", "BambooHRSimulator", "DynamicsSimulator", "Faults", "NetSuiteSimulator", "SalesforceSimulator",
           "SimulatorServer", "emit_change_events"]
