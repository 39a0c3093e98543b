"""A plugin for measuring what reading data costs inside a component: it scans the f64
column `x` of dataset `numbers` and, by `mode`, stops after opening the scan (`open`),
receives every batch without touching it (`scan`: the host's reading plus componentize-py
lifting each `list<f64>` into a Python list), or also adds the values up in a Python loop
(`sum`). `bench.py` runs it through `kiln plugin run` and reports the differences."""

import sys

from kiln_sdk import InvalidParams, Output, Plugin, PluginInfo


class ScanBench(Plugin):
    info = (PluginInfo("scan-bench", "0.1.0")
            # Evaluated when the component is built, by the interpreter it embeds.
            .description(f"Scans numbers.x; see bench.py. CPython {sys.version.split()[0]} on {sys.platform}.")
            .param("mode", "scan", "open, scan or sum")
            .dataset("numbers", ["x"])
            .metric("batches")
            .metric("rows")
            .metric("total"))

    def run(self, ctx, params):
        if params.mode not in ("open", "scan", "sum"):
            raise InvalidParams(f"unknown mode `{params.mode}`")
        scan = ctx.scan("numbers", ["x"])
        batches = rows = 0
        total = 0.0
        if params.mode != "open":
            for batch in scan:
                batches += 1
                rows += batch.num_rows
                if params.mode == "sum":
                    for x in batch.f64("x"):
                        total += x
        scan.close()
        return Output().metric("batches", batches).metric("rows", rows).metric("total", total)
