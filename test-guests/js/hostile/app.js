// A JavaScript plugin that attacks its host, one attack per run, chosen by the `attack`
// parameter.
//
// An attack the engine refuses by throwing ends the run with a plugin error starting
// "refused: ", so a test can tell "refused" from "succeeded"; one it refuses by trapping (the
// engine's stubs for what it was built without) ends the run with the trap; an attack that gets
// through returns how much it saw as the metric `seen`. The rest (spinning, allocating,
// printing, recursing, a huge output) can only end by a limit.

function attempt(attack) {
  switch (attack) {
    case "fetch":
      // A numeric address: the connection itself, not a name lookup, is what must be refused.
      return fetch("http://127.0.0.1:5432/");
    case "read-file":
      return fetch("file:///etc/passwd");
    case "import":
      // A module the component does not hold: there is no file system to load it from.
      return import("/etc/passwd");
    case "env":
      // Node's `process` does not exist in the engine; anything it held would be the host's.
      return JSON.stringify(globalThis.process?.env ?? {}) === "{}" ? "" : JSON.stringify(globalThis.process.env);
    case "globals":
      // Node's, Deno's and the browser's ways out, if any were there (`fetch` is, and traps).
      return ["process", "require", "Deno", "Bun", "XMLHttpRequest", "WebSocket", "Worker", "navigator"]
        .filter((name) => name in globalThis)
        .join(",");
    case "spin":
      for (;;) {}
    case "memory": {
      const hoard = [];
      for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
    }
    case "print": {
      const line = "x".repeat(4096);
      for (;;) console.log(line);
    }
    case "recurse": {
      const down = (n) => down(n + 1) + 1;
      return String(down(0));
    }
    case "output":
      return null; // see run()
    default:
      throw new Error(`unknown attack ${attack}`);
  }
}

export const guest = {
  describe() {
    return {
      name: "hostile-js",
      version: "0.1.0",
      description: "Attacks its host.",
      params: [{ name: "attack", type: "string", default: undefined, doc: "Which attack." }],
      datasets: [],
      outputs: [
        { name: "seen", doc: "What an attack that got through returned.", kind: { tag: "metric" } },
        {
          name: "huge",
          doc: "A table far past any output cap.",
          kind: { tag: "table", val: [{ name: "x", type: "f64", nullable: false, doc: "" }] },
        },
      ],
    };
  },
  run(params) {
    const attack = params.find((p) => p.name === "attack").value.val;
    if (attack === "output") {
      // 48 MiB of floats: under the memory cap, over a small output cap.
      const x = new Float64Array(6 << 20).fill(1.5);
      return { tables: [{ name: "huge", data: { rows: x.length, columns: [{ name: "x", data: { tag: "f64", val: x } }] } }], metrics: [] };
    }
    let seen;
    try {
      seen = attempt(attack);
    } catch (e) {
      // SpiderMonkey reports running out of memory as a bare string, not an Error.
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { tag: "err", val: { tag: "failed", val: `refused: ${what}` } };
    }
    if (seen && typeof seen.then === "function") {
      // A promise: the engine settles it only by running its event loop, which a synchronous
      // export does not; either way nothing may have reached the host.
      return { tag: "err", val: { tag: "failed", val: "refused: a promise that never settles inside run" } };
    }
    return { tables: [], metrics: [{ name: "seen", value: String(seen ?? "").length, unit: "bytes" }] };
  },
};
