"""Reports everything a Python guest could observe varying between two executions: the wall
clock, a monotonic interval across an hour's sleep, random numbers, and a set's iteration order.
Executing it twice with the same seed and clock start must give the same output.

CPython's `random` module was seeded when componentize-py pre-initialized the component, at
build time; `random.seed()` reseeds it from the host's (seeded) random source, as Kiln's SDK does
at the start of every run.
"""

import random
import time

from wit_world import exports
from wit_world.exports import guest
from wit_world.imports import types


def s64(name: str, value: int) -> types.Column:
    return types.Column(name=name, data=types.ColumnData_S64([value]), validity=None)


class Guest(exports.Guest):
    def describe(self) -> guest.PluginInfo:
        def col(name: str, ty: types.ValueType) -> guest.ColumnSpec:
            return guest.ColumnSpec(name=name, type=ty, nullable=False, doc="")

        columns = [
            col("wall_ns", types.ValueType.S64),
            col("slept_ns", types.ValueType.S64),
            col("hash", types.ValueType.S64),
            col("order", types.ValueType.STRING),
        ]
        observed = guest.OutputSpec(name="observed", doc="What the guest saw.", kind=guest.OutputKind_Table(columns))
        return guest.PluginInfo(
            name="entropy-py", version="0.1.0", description="Reports its clocks and random numbers.",
            params=[], datasets=[], outputs=[observed],
        )

    def run(self, params: list[guest.Param]) -> guest.Output:
        random.seed()
        wall = time.time_ns()
        before = time.monotonic_ns()
        time.sleep(3600)
        slept = time.monotonic_ns() - before
        drawn = random.getrandbits(62)
        order = ",".join({f"k{i}" for i in range(16)}).encode()
        strings = types.Strings(offsets=[0, len(order)], bytes=order)
        columns = [
            s64("wall_ns", wall),
            s64("slept_ns", slept),
            s64("hash", drawn),
            types.Column(name="order", data=types.ColumnData_String(strings), validity=None),
        ]
        table = guest.Table(name="observed", data=types.Batch(rows=1, columns=columns))
        return guest.Output(tables=[table], metrics=[])
