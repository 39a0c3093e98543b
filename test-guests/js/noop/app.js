// A JavaScript plugin that does nothing, on the raw bindings jco generates from the contract:
// what a TypeScript plugin costs before it does any work.

export const guest = {
  describe() {
    return { name: "noop-js", version: "0.1.0", description: "Does nothing.", params: [], datasets: [], outputs: [] };
  },
  run(_params) {
    return { tables: [], metrics: [] };
  },
};
