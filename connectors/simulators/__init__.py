"""What every simulator shares: the HTTP server, fault injection, the clock, change events, the
seeded data and the SOQL / SuiteQL dialect. Each system's simulator lives beside its connector
(`connectors/salesforce/simulator.py`, `connectors/netsuite/simulator.py`,
`connectors/dynamics/simulator.py`, `connectors/bamboohr/simulator.py`), served over that
system's real wire protocol."""

from connectors.simulators.base import Faults, SimulatorServer, emit_change_events

__all__ = ["Faults", "SimulatorServer", "emit_change_events"]
