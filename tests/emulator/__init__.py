"""Local emulator of the NAKIVO Director and Commvault Web Server APIs, for the collection's tests, demo and benchmarks."""

from .faults import FaultSpecError
from .scenario import Scenario, ScenarioError, load_scenario
from .server import Emulator

__all__ = ["Emulator", "FaultSpecError", "Scenario", "ScenarioError", "load_scenario"]
