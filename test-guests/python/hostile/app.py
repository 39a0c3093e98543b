"""A Python plugin that attacks its host, one attack per run, chosen by the `attack` parameter.

Everything is imported at module level: componentize-py imports it at build time, and the
component has no file system to import from at run time.

Attacks that the sandbox refuses inside the guest (sockets, files, processes) end the run with a
plugin error naming the exception, so a test can tell "refused" from "succeeded". The rest
(spinning, allocating, printing, recursing) can only end by a limit.
"""

import encodings.idna  # noqa: F401 - what `getaddrinfo` encodes host names with
import os
import socket
import subprocess
import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports import guest
from wit_world.imports import types


def attempt(attack: str) -> str:
    if attack == "connect":
        # A numeric address: the connect itself, not a name lookup, is what is refused.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(("127.0.0.1", 5432))
    elif attack == "resolve":
        socket.getaddrinfo("localhost", 80)
    elif attack == "read-file":
        with open("/etc/passwd") as f:
            return f.read()
    elif attack == "write-file":
        with open("kiln-escape.txt", "w") as f:
            f.write("escaped")
    elif attack == "list-root":
        return ",".join(os.listdir("/"))
    elif attack == "env":
        return ",".join(f"{k}={v}" for k, v in os.environ.items())
    elif attack == "spawn":
        subprocess.run(["/bin/sh", "-c", "id"], check=True)
    elif attack == "spin":
        while True:
            pass
    elif attack == "memory":
        hoard = []
        while True:
            hoard.append(bytearray(1 << 20))
    elif attack == "print":
        line = "x" * 4096
        while True:
            print(line)
    elif attack == "recurse":
        def down(n: int) -> int:
            return down(n + 1) + 1

        return str(down(0))
    elif attack == "recurse-unbounded":
        # Past Python's own recursion limit, into the interpreter's C stack (the wasm stack).
        sys.setrecursionlimit(1 << 30)

        def deeper(n: int) -> int:
            return deeper(n + 1) + 1

        return str(deeper(0))
    else:
        raise ValueError(f"unknown attack {attack}")
    return ""


class Guest(exports.Guest):
    def describe(self) -> guest.PluginInfo:
        attack = guest.ParamSpec(name="attack", type=types.ValueType.STRING, default=None, doc="Which attack.")
        seen = guest.OutputSpec(name="seen", doc="What an attack that got through returned.", kind=guest.OutputKind_Metric())
        return guest.PluginInfo(
            name="hostile-py", version="0.1.0", description="Attacks its host.", params=[attack], datasets=[], outputs=[seen]
        )

    def run(self, params: list[guest.Param]) -> guest.Output:
        attack = next(p.value.value for p in params if p.name == "attack")
        try:
            seen = attempt(attack)
        except Exception as e:
            raise Err(guest.PluginError_Failed(f"refused: {type(e).__name__}: {e}"))
        # Got through: say how much it saw.
        return guest.Output(tables=[], metrics=[guest.Metric(name="seen", value=float(len(seen)), unit="bytes")])
