"""A stand-in for the `kiln` binary's `plugin run ... --json`, for testing the component mode
of kiln_sdk.testing without a Kiln build: the "component" file names a plugin class
(`module:Class`, importable from the file's directory), which it runs natively on the data
directory the test run wrote, with the params parsed from text as the host parses them, and
prints a report shaped like `kiln plugin run --json`'s."""

import importlib
import json
import sys
from pathlib import Path

from kiln_sdk import InvalidParams, PluginError, ValueType, plugin_info
from kiln_sdk.testing import HostError, TestRun


def typed(ty, text):
    if ty == ValueType.F64:
        return float(text)
    if ty in (ValueType.S64, ValueType.TIMESTAMP):
        return int(text)
    if ty == ValueType.BOOL:
        return {"true": True, "false": False}[text]
    return text


def main(args):
    assert args[:2] == ["plugin", "run"], args
    component, rest = Path(args[2]), args[3:]
    options = {"--grant": [], "--param": [], "--data": []}
    while rest:
        flag = rest.pop(0)
        if flag == "--json":
            continue
        options[flag].append(rest.pop(0))
    module, name = component.read_text().strip().split(":")
    sys.path.insert(0, str(component.parent))
    plugin = getattr(importlib.import_module(module), name)
    info = plugin_info(plugin)
    run = TestRun().load_dir(options["--data"][0])
    for spec in options["--grant"]:
        run.grant(spec)
    for given in options["--param"]:
        key, text = given.split("=", 1)
        spec = info.param_spec(key)
        if spec is None:
            print(f"error: unknown parameter `{key}`", file=sys.stderr)
            return 1
        run.param(key, typed(spec.type, text))
    report = {"plugin": {"name": info.name, "version": info.version, "sha256": "0" * 64}, "ok": False,
              "output": None, "error": None, "usage": {}, "log": {"lines": [], "bytes": 0, "truncated": False}}
    try:
        result = run.run(plugin)
        report.update(ok=True, output=result.document)
        report["log"]["lines"] = [{"source": s, "message": m} for s, m in result.log]
        report["log"]["lines"].append({"source": "stdout", "message": "run by the fake kiln"})
    except PluginError as e:
        prefix = {"invalid-params": "invalid parameters: ", "invalid-data": "invalid data: "}.get(e.kind, "")
        report["error"] = {"kind": "guest-error", "message": f"plugin error: {prefix}{e.message}"}
    except HostError as e:
        report["error"] = {"kind": e.kind, "message": f"ungranted data: {e.message}" if e.kind == "ungranted" else e.message}
    print(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
