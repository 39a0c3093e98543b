#!/usr/bin/env python3
"""Runs two builds of a plugin (say the Rust one and its Python port) on the same data with
``kiln plugin run --json`` and compares their output documents.

    python3 compare.py --kiln ../../target/debug/kiln --data /tmp/xian \\
        ../target/wasm32-wasip2/release/energy_intensity.wasm energy-intensity.wasm [--param ratio=2]

Prints each run's output hash (the report's ``output_sha256`` when the host gives one, else
the sha256 of the ``output`` field re-serialized compactly), wall time and fuel; exits 1 and
names the first difference when the outputs differ. Equal parsed documents are equal
serialized documents: floats parse back to the same values, and the host writes the shortest
text that reads back as each.
"""

import argparse
import hashlib
import json
import subprocess
import sys


def run(kiln, component, data, params):
    command = [kiln, "plugin", "run", component, "--data", data, "--json"]
    for p in params:
        command += ["--param", p]
    done = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr.strip()}")
    if not report.get("ok"):
        sys.exit(f"{component}: run failed: {report.get('error')}")
    return report


def digest(report):
    if report.get("output_sha256"):
        return report["output_sha256"]
    text = json.dumps(report["output"], ensure_ascii=False, separators=(",", ":"))
    return "sha256(compact output) " + hashlib.sha256(text.encode()).hexdigest()


def first_difference(a, b):
    for ta, tb in zip(a["tables"], b["tables"]):
        if ta == tb:
            continue
        if ta["name"] != tb["name"] or ta["columns"] != tb["columns"]:
            return f"table {ta['name']} vs {tb['name']}: columns {ta['columns']} vs {tb['columns']}"
        for i, (ra, rb) in enumerate(zip(ta["rows"], tb["rows"])):
            if ra != rb:
                return f"table {ta['name']} row {i}: {ra} vs {rb}"
        return f"table {ta['name']}: {len(ta['rows'])} vs {len(tb['rows'])} rows"
    if len(a["tables"]) != len(b["tables"]):
        return f"{len(a['tables'])} vs {len(b['tables'])} tables"
    return f"metrics {a['metrics']} vs {b['metrics']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiln", default="kiln")
    parser.add_argument("--data", required=True)
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("first")
    parser.add_argument("second")
    args = parser.parse_args()
    reports = [run(args.kiln, c, args.data, args.param) for c in (args.first, args.second)]
    for component, report in zip((args.first, args.second), reports):
        usage = report.get("usage", {})
        rows = {t["name"]: len(t["rows"]) for t in report["output"]["tables"]}
        print(f"{component}\n  {digest(report)}\n  wall {usage.get('wall_us', 0) / 1000:.1f} ms, "
              f"fuel {usage.get('fuel')}, peak memory {usage.get('peak_memory_bytes', 0) >> 20} MiB, rows {rows}")
    a, b = (r["output"] for r in reports)
    if a == b:
        print("identical outputs")
        return 0
    print("outputs differ:", first_difference(a, b))
    return 1


if __name__ == "__main__":
    sys.exit(main())
