#!/usr/bin/env python3
"""What a 64Ki-row `list<f64>` batch costs a Python plugin, inside a component and natively.

    componentize-py -w plugin componentize app -p . -p .. -o scan-bench.wasm
    python3 bench.py --kiln ../../../target/debug/kiln scan-bench.wasm [--batches 32]

Inside: runs the bench plugin with modes open / scan / sum over `batches` × 65,536 rows and
divides the differences in the host's reported wall time and fuel by the number of batches.
Natively (this interpreter): the time to build the same Python list of 65,536 floats from a
buffer of doubles (what lifting amounts to), and to add it up in a Python loop.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROWS = 65_536


def kiln_run(kiln, component, data, mode, repeat):
    best = None
    for _ in range(repeat):
        done = subprocess.run([kiln, "plugin", "run", component, "--data", data, "--param", f"mode={mode}",
                               "--timeout", "600s", "--fuel", str(10**13), "--json"], capture_output=True, text=True)
        report = json.loads(done.stdout)
        if not report["ok"]:
            sys.exit(f"{mode}: {report['error']}")
        usage = report["usage"]
        if best is None or usage["wall_us"] < best["wall_us"]:
            best = usage
    return best


def native(repeat=20):
    buffer = array("d", (i * 0.5 for i in range(ROWS))).tobytes()
    lift = min(_timed(lambda: array("d", buffer).tolist()) for _ in range(repeat))
    values = array("d", buffer).tolist()

    def add():
        total = 0.0
        for x in values:
            total += x
        return total

    return lift, min(_timed(add) for _ in range(repeat))


def _timed(f):
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", default="kiln")
    parser.add_argument("--batches", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("component")
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as data:
        n = args.batches * ROWS
        pq.write_table(pa.table({"x": pa.array([i * 0.25 for i in range(n)], pa.float64())}),
                       Path(data) / "numbers.parquet")
        usage = {m: kiln_run(args.kiln, args.component, data, m, args.repeat) for m in ("open", "scan", "sum")}
    per = lambda a, b, key: (usage[b][key] - usage[a][key]) / args.batches
    print(f"inside the component ({args.batches} batches of {ROWS} rows, best of {args.repeat}):")
    for m in ("open", "scan", "sum"):
        print(f"  {m:5} wall {usage[m]['wall_us'] / 1000:9.1f} ms  fuel {usage[m]['fuel']:>14,}")
    print(f"  per batch: receive {per('open', 'scan', 'wall_us') / 1000:.2f} ms "
          f"({per('open', 'scan', 'fuel'):,.0f} fuel), Python loop sum {per('scan', 'sum', 'wall_us') / 1000:.2f} ms "
          f"({per('scan', 'sum', 'fuel'):,.0f} fuel)")
    lift, add = native()
    print(f"natively (CPython {sys.version.split()[0]}): list of {ROWS} floats from a buffer {lift * 1000:.2f} ms, "
          f"Python loop sum {add * 1000:.2f} ms")


if __name__ == "__main__":
    main()
