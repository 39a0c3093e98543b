// Reports everything a JavaScript guest could observe varying between two executions: the wall
// clock (`Date.now`), a monotonic interval (`performance.now`), `Math.random` and
// `crypto.getRandomValues`. ComponentizeJS evaluates this module's top level at build time
// (Wizer), where drawing a random number fails the build (the engine's random source is not
// there yet), so nothing random can be frozen into the component; what `run` draws comes from
// the run's seed and clock. Running it twice with the same seed and clock start must give the
// same output, and another seed other numbers.

function s64(name, value) {
  return { name, data: { tag: "s64", val: BigInt64Array.of(BigInt(value)) } };
}

function f64(name, value) {
  return { name, data: { tag: "f64", val: Float64Array.of(value) } };
}

export const guest = {
  describe() {
    const col = (name, type) => ({ name, type, nullable: false, doc: "" });
    return {
      name: "entropy-js",
      version: "0.1.0",
      description: "Reports its clocks and random numbers.",
      params: [],
      datasets: [],
      outputs: [
        {
          name: "observed",
          doc: "What the guest saw.",
          kind: {
            tag: "table",
            val: [col("wall_ms", "s64"), col("elapsed_ms", "f64"), col("random", "f64"), col("bytes", "s64")],
          },
        },
      ],
    };
  },
  run(_params) {
    const wall = Date.now();
    const before = performance.now();
    const elapsed = performance.now() - before;
    const random = Math.random();
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    const word = bytes.reduce((acc, b) => acc * 256 + b, 0);
    const columns = [s64("wall_ms", wall), f64("elapsed_ms", elapsed), f64("random", random), s64("bytes", word)];
    return { tables: [{ name: "observed", data: { rows: 1, columns } }], metrics: [] };
  },
};
