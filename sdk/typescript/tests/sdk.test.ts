// The SDK's own tests, natively: the pure API and the test harness (the component glue,
// src/guest.ts, needs the bindings and is exercised by building and running a component).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import {
  Batch, Context, Failed, InvalidData, InvalidParams, Output, Params, Plugin, PluginInfo, Timestamp, ValueType, col, month, stats,
} from "@kiln/sdk";
import { InvalidOutput, TestRun, Ungranted, paramText, readCsv, writeCsv } from "@kiln/sdk/testing";

/** Total kWh per enterprise: the README's example. */
class Electricity extends Plugin {
  static info = new PluginInfo("electricity", "0.1.0")
    .description("Total electricity use per enterprise.")
    .param("min_kwh", 0.0, "Leave out enterprises below this total.")
    .dataset("monthly_indicators", ["enterprise_id", "electricity_kwh"], "Monthly reports.")
    .table("by_enterprise", "Total kWh per enterprise.", [col("enterprise_id", ValueType.STRING), col("kwh", ValueType.F64)])
    .metric("enterprises", "Enterprises kept.");

  run(ctx: Context, params: Params): Output {
    const totals: number[] = [];
    const scan = ctx.scan("monthly_indicators", ["enterprise_id", "electricity_kwh"]);
    for (const batch of scan) {
      const ids = batch.dict("enterprise_id");
      while (totals.length < ids.values.length) totals.push(0);
      const kwh = batch.f64("electricity_kwh");
      ids.codes.forEach((code, row) => (totals[code] += kwh[row]));
    }
    const names = scan.dictionary("enterprise_id");
    const kept = totals.map((_, c) => c).filter((c) => totals[c] >= params.f64("min_kwh"));
    kept.sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
    console.log("kept", kept.length);
    return new Output()
      .metric("enterprises", kept.length)
      .table("by_enterprise", new Batch().withDict("enterprise_id", names, kept).withF64("kwh", kept.map((c) => totals[c])));
  }
}

const DATA = { enterprise_id: ["E2", "E1", "E1", "E3"], electricity_kwh: [1.0, 10.0, 5.0, 3.0] };

test("a run reads batches, applies params and returns the output document", () => {
  const result = new TestRun().dataset("monthly_indicators", DATA).param("min_kwh", 2).batchRows(1).run(Electricity);
  assert.deepEqual(result.table("by_enterprise").column("enterprise_id"), ["E1", "E3"]);
  assert.deepEqual(result.table("by_enterprise").column("kwh"), [15, 3]);
  assert.equal(result.metric("enterprises"), 2);
  assert.deepEqual(result.document.tables[0].columns, [{ name: "enterprise_id", type: "string" }, { name: "kwh", type: "f64" }]);
  assert.deepEqual(result.log, [["info", "kept 2"]]);
  // console is restored after the run.
  assert.notEqual(console.log.toString().includes("backend"), true);
});

test("the same result for any batch size and dictionary bound", () => {
  const whole = new TestRun().dataset("monthly_indicators", DATA).run(Electricity).document;
  for (const [rows, bound] of [[1, 0], [2, 1], [3, 2], [1, undefined]] as const) {
    const run = new TestRun().dataset("monthly_indicators", DATA).batchRows(rows);
    if (bound !== undefined) run.dictionaryBound(bound);
    assert.deepEqual(run.run(Electricity).document, whole);
  }
});

test("parameters are checked and completed as the host does", () => {
  const run = () => new TestRun().dataset("monthly_indicators", DATA);
  assert.throws(() => run().param("nope", 1).run(Electricity), InvalidParams);
  assert.throws(() => run().param("min_kwh", "2").run(Electricity), InvalidParams);
  assert.throws(() => run().param("min_kwh", true).run(Electricity), InvalidParams);
  assert.equal(run().param("min_kwh", 2n).run(Electricity).metric("enterprises"), 2);

  const info = new PluginInfo("p", "0.1.0")
    .param("n", ValueType.S64, "required")
    .param("since", new Timestamp(5n))
    .param("flag", false)
    .param("name", "x");
  class P extends Plugin {
    static info = info;
    run(ctx: Context, params: Params): Output {
      ctx.info(`${params.s64("n")} ${params.timestamp("since")} ${params.bool("flag")} ${params.string("name")}`);
      assert.throws(() => params.f64("n"));
      return new Output();
    }
  }
  assert.throws(() => new TestRun().run(P), /missing parameter `n`/);
  assert.deepEqual(new TestRun().param("n", 7).run(P).log, [["info", "7 5 false x"]]);
  assert.throws(() => new TestRun().param("n", 1.5).run(P), InvalidParams);
});

test("ungranted reads end the run even when the plugin catches them", () => {
  class Greedy extends Plugin {
    static info = new PluginInfo("greedy", "0.1.0").dataset("a", ["x"]);
    run(ctx: Context): Output {
      try {
        ctx.scan("a", ["x", "secret"]);
      } catch {
        // swallowed: the host would have ended the run anyway
      }
      return new Output();
    }
  }
  assert.throws(() => new TestRun().dataset("a", { x: [1], secret: [2] }).run(Greedy), Ungranted);
  assert.throws(() => new TestRun().dataset("a", { x: [1] }).grant("a:y").run(Greedy), Ungranted);
});

test("errors: plugin errors pass through, anything else is Failed with its stack logged", () => {
  class Throws extends Plugin {
    static info = () => new PluginInfo("throws", "0.1.0").param("what", "data");
    run(_ctx: Context, params: Params): Output {
      if (params.string("what") === "data") throw new InvalidData("bad rows");
      (undefined as unknown as { f(): void }).f();
      return new Output();
    }
  }
  assert.throws(() => new TestRun().run(Throws), (e) => e instanceof InvalidData && e.message === "bad rows");
  assert.throws(() => new TestRun().param("what", "bug").run(Throws), (e) => e instanceof Failed && /TypeError/.test(e.message));
});

test("the output is checked against the declared schemas", () => {
  const info = new PluginInfo("o", "0.1.0").table("t", "", [col("a", ValueType.F64), col("b", ValueType.STRING, { nullable: true })]).metric("m");
  const check = (output: Output) => {
    class O extends Plugin {
      static info = info;
      run(): Output {
        return output;
      }
    }
    return new TestRun().run(O);
  };
  assert.deepEqual(check(new Output().table("t", new Batch().withF64("a", [1, NaN]).withStr("b", ["x", null]))).table("t").rows, [[1, "x"], [null, null]]);
  assert.throws(() => check(new Output().table("t", new Batch().withF64("a", [null]).withStr("b", ["x"]))), InvalidOutput);
  assert.throws(() => check(new Output().table("t", new Batch().withS64("a", [1n]).withStr("b", ["x"]))), InvalidOutput);
  assert.throws(() => check(new Output().table("t", new Batch().withStr("b", ["x"]).withF64("a", [1]))), InvalidOutput);
  assert.throws(() => check(new Output().table("u", new Batch())), InvalidOutput);
  assert.throws(() => check(new Output().metric("t", 1)), InvalidOutput);
  assert.equal(check(new Output().metric("m", 2n)).metric("m"), 2);
});

test("batches: typed getters, widening, nulls and wrong types", () => {
  const b = new Batch().withS64("n", [1n, null, 3]).withStr("s", ["a", "b", "a"]).withBool("f", [true, false, null]);
  assert.deepEqual([...b.f64("n")], [1, 0, 3]);
  assert.deepEqual(b.validity("n"), [true, false, true]);
  assert.deepEqual(b.rowsWithoutNulls(["n", "f"]), [true, false, false]);
  assert.equal(b.rowsWithoutNulls(["s"]), undefined);
  assert.deepEqual([...b.dict("s").codes], [0, 1, 0]);
  assert.deepEqual(b.dict("s").values, ["a", "b"]);
  assert.throws(() => b.f64("s"), /column `s` is string, not f64/);
  assert.throws(() => b.s64("missing"), InvalidData);
  assert.throws(() => new Batch().withF64("a", [1]).withF64("b", [1, 2]), /rows/);
  assert.throws(() => new Batch().withDict("d", ["x"], [1]), InvalidData);
});

test("month and stats match the Rust SDK", () => {
  const m = month.parse("2024-01");
  assert.equal(month.format(m), "2024-01");
  assert.equal(month.format(m - 1), "2023-12");
  assert.equal(month.format(m - 12), "2023-01");
  for (const bad of ["2024-13", "2024-00", "24-01", "2024/01", "2024-1x", "２０２４-01"]) assert.throws(() => month.parse(bad), InvalidData, bad);
  assert.equal(stats.median([3, 1, 2]), 2);
  assert.equal(stats.median([4, 1, 3, 2]), 2.5);
  assert.equal(stats.median([]), undefined);
  assert.deepEqual(stats.sortByIndex([[2, "a"], [0, "b"], [2, "c"], [1, "d"]] as const, 3, (i) => i[0]), [[0, "b"], [1, "d"], [2, "a"], [2, "c"]]);
});

test("CSV round trip keeps types as the host infers them", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-sdk-test-"));
  const b = new Batch()
    .withF64("f", [1, 2.5, null])
    .withS64("i", [1n, -2n, 3n])
    .withStr("s", ["a,b", 'q"', "西安"])
    .withBool("b", [true, false, true])
    .withTimestamp("t", [0n, 1_700_000_000_123_456_789n, null]);
  writeCsv(b, join(dir, "d.csv"));
  const back = readCsv(join(dir, "d.csv"));
  assert.deepEqual(back.toObject(), b.toObject());
  assert.deepEqual(back.columns.map((c) => c.kind), ["f64", "s64", "string", "bool", "timestamp"]);
  writeFileSync(join(dir, "monthly_indicators.csv"), "enterprise_id,electricity_kwh\nE1,4\nE2,1.5\n");
  const result = new TestRun().loadDir(dir).run(Electricity);
  assert.deepEqual(result.table("by_enterprise").column("kwh"), [4, 1.5]);
  assert.equal(paramText(1e21), "1e+21");
  assert.equal(paramText(false), "false");
});
