"""The component's entry module: componentize-py imports it (at build time, then snapshots)
and calls the class bound to `Guest` for the `kiln:plugin/guest` export."""

from kiln_sdk import export

from anomaly import Anomaly

Guest = export(Anomaly)
