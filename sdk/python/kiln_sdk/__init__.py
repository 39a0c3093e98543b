"""Write Kiln plugins in Python.

A plugin is a :class:`Plugin` subclass plus one :func:`export` line in the app module that
componentize-py builds into a component::

    from kiln_sdk import Batch, Output, Plugin, PluginInfo, ValueType, col, export

    class Electricity(Plugin):
        info = (
            PluginInfo("electricity", "0.1.0")
            .description("Total electricity use per enterprise.")
            .param("min_kwh", 0.0, "Leave out enterprises using less than this.")
            .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
            .table("by_enterprise", "kWh per enterprise.",
                   [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64)])
        )

        def run(self, ctx, params):
            totals = []
            scan = ctx.scan("monthly_indicators", ["enterprise_id", "electricity_kwh"])
            for batch in scan:
                ids = batch.dict("enterprise_id")        # codes stable for the whole scan
                totals.extend([0.0] * (len(ids.values) - len(totals)))
                for code, kwh in zip(ids.codes, batch.f64("electricity_kwh")):
                    totals[code] += kwh
            names = scan.dictionary("enterprise_id")
            kept = sorted((c for c, t in enumerate(totals) if t >= params.min_kwh), key=names.__getitem__)
            return Output().table("by_enterprise", Batch()
                                  .with_dict("enterprise_id", names, kept)
                                  .with_f64("kwh", [totals[c] for c in kept]))

    Guest = export(Electricity)   # the class componentize-py looks for

:mod:`kiln_sdk.testing` runs the same class natively (and, under pytest with
``--kiln-component``, the built component) against sample data.
"""

from __future__ import annotations

import sys
from typing import Type

from .batch import Batch, Column, Dict
from .context import Context, Grant, GrantColumn, Level
from .errors import Failed, InvalidData, InvalidParams, PluginError
from .info import ColumnSpec, DatasetSpec, OutputSpec, ParamSpec, PluginInfo, Timestamp, ValueType, col
from .output import Metric, Output, Table
from .params import Params
from .plugin import Plugin, plugin_info
from .scan import Scan
from . import month, stats  # noqa: F401  (public submodules, imported now: see export())

#: The WIT contract version this SDK builds plugins against.
WIT_VERSION = "0.2.0"

__all__ = [
    "Batch", "Column", "ColumnSpec", "Context", "DatasetSpec", "Dict", "Failed", "Grant", "GrantColumn",
    "InvalidData", "InvalidParams", "Level", "Metric", "Output", "OutputSpec", "ParamSpec", "Params", "Plugin",
    "PluginError", "PluginInfo", "Scan", "Table", "Timestamp", "ValueType", "WIT_VERSION", "col", "export",
    "month", "plugin_info", "stats",
]


def in_component() -> bool:
    """Whether this code runs inside a componentize-py component (CPython built for WASI)."""
    return sys.platform == "wasi"


def export(plugin: Type[Plugin]) -> type:
    """The `guest` export class for ``plugin``: bind it as ``Guest`` in the app module, which
    is where componentize-py looks for it::

        Guest = kiln_sdk.export(MyPlugin)

    Inside a component it is backed by the generated bindings. Natively (tests import the app
    module too) it is a stand-in whose methods say to use :mod:`kiln_sdk.testing`, so that
    importing the app never needs the bindings.
    """
    info = plugin_info(plugin)  # a broken `info` fails the build (pre-init), not the first run
    if not callable(getattr(plugin, "run", None)):
        raise TypeError(f"{plugin.__name__} has no run(ctx, params) method")
    if in_component():
        # Imported here, at the app's import, so it is part of the pre-initialized snapshot.
        from . import _guest

        return _guest.guest_class(plugin)

    class Guest:
        """Native stand-in for the component's export: run plugins with kiln_sdk.testing."""

        def describe(self):
            raise RuntimeError(f"{info.name}: the guest export exists only in a component; use kiln_sdk.testing")

        run = describe

    return Guest
