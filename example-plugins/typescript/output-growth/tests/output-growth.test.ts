// The Rust plugin's tests (example-plugins/output-growth/src/tests.rs), ported: runs on
// hand-built data with answers worked out by hand. Natively by default; against the built
// component when KILN_COMPONENT (and KILN_BIN) are set.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Batch, InvalidData, InvalidParams } from "@kiln/sdk";
import { ResultTable, RunResult, TestRun } from "@kiln/sdk/testing";

import { OutputGrowth } from "../src/output-growth";

type Row = [string, string, number | null];

/** `enterprises` rows: enterprise_id, district_id, park_id, industry_code; plus unread columns. */
function enterprises(rows: [string, string, string, string][]): Batch {
  return new Batch()
    .withStr("enterprise_id", rows.map((r) => r[0]))
    .withStr("name", rows.map((r) => `西安${r[0]}公司`))
    .withStr("district", rows.map((r) => `${r[1]}区`))
    .withStr("district_id", rows.map((r) => r[1]))
    .withStr("park_id", rows.map((r) => r[2]))
    .withStr("industry_code", rows.map((r) => r[3]))
    .withBool("opted_in", rows.map(() => true));
}

/** `monthly_indicators` rows: enterprise_id, month, output_value (null is null). */
function monthly(rows: Row[]): Batch {
  return new Batch()
    .withStr("enterprise_id", rows.map((r) => r[0]))
    .withStr("month", rows.map((r) => r[1]))
    .withF64("output_value", rows.map((r) => r[2]))
    .withF64("energy_tce", rows.map(() => 1.0));
}

/** E1 and E2 in district D1, E3 in D2; E1 in park P1, E2 and E3 in P2; E1 and E3 in C36, E2 in C13. */
function directory(): Batch {
  return enterprises([
    ["E1", "D1", "P1", "C36"],
    ["E2", "D1", "P2", "C13"],
    ["E3", "D2", "P2", "C36"],
  ]);
}

/** District D1: 2023-01 100, 2023-12 120, 2024-01 150, 2024-02 90. District D2: 2023-12 0, 2024-01 30, 2024-02 45. Rows deliberately out of order. */
const ROWS: Row[] = [
  ["E3", "2024-02", 45.0],
  ["E1", "2024-01", 100.0],
  ["E2", "2023-01", 40.0],
  ["E1", "2023-12", 80.0],
  ["E2", "2024-02", 15.0],
  ["E3", "2023-12", 0.0],
  ["E1", "2023-01", 60.0],
  ["E2", "2024-01", 50.0],
  ["E3", "2024-01", 30.0],
  ["E1", "2024-02", 75.0],
  ["E2", "2023-12", 40.0],
];

function run(enterprises: Batch, rows: Row[]): TestRun {
  return new TestRun().dataset("enterprises", enterprises).dataset("monthly_indicators", monthly(rows));
}

function assertClose(actual: unknown[], expected: (number | null)[]): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (a !== null && e !== null) assert.ok(Math.abs((a as number) - e) <= 1e-12 * Math.max(Math.abs(e), 1), `${actual} vs ${expected}`);
    else assert.equal(a, e, `${actual} vs ${expected}`);
  });
}

test("sums districts and computes month-on-month and year-on-year growth", () => {
  const result = run(directory(), ROWS).param("level", "district").run(OutputGrowth);
  const table = result.table("growth");
  assert.deepEqual(table.column("level"), Array(7).fill("district"));
  assert.deepEqual(table.column("group"), ["D1", "D1", "D1", "D1", "D2", "D2", "D2"]);
  assert.deepEqual(table.column("month"), ["2023-01", "2023-12", "2024-01", "2024-02", "2023-12", "2024-01", "2024-02"]);
  assert.deepEqual(table.column("output_value"), [100, 120, 150, 90, 0, 30, 45]);
  // D1 2024-01: (150 − 120) / 120 = 25 % on the month across the year boundary, (150 − 100) / 100 = 50 %
  // on the year. D1 2024-02: −40 % on the month, no 2023-02 to compare with. D2 2024-01 follows a
  // month of 0, so its growth is undefined; D2 2024-02 is +50 %.
  assertClose(table.column("mom_pct"), [null, null, 25, -40, null, null, 50]);
  assertClose(table.column("yoy_pct"), [null, null, 50, null, null, null, null]);
  assert.equal(result.metric("groups"), 2);
});

test("rolls up every level sorted by level, group and month", () => {
  const result = run(directory(), ROWS).run(OutputGrowth);
  const table = result.table("growth");
  const levels = table.column("level");
  const groups = table.column("group");
  const pairs = levels.map((l, i) => `${l}/${groups[i]}`).filter((p, i, all) => i === 0 || all[i - 1] !== p);
  assert.deepEqual(pairs, ["district/D1", "district/D2", "industry/C13", "industry/C36", "park/P1", "park/P2"]);
  assert.equal(table.numRows, 7 + 8 + 8);
  assert.equal(result.metric("groups"), 6);

  const pick = (level: string, group: string, column: string) =>
    table.column(column).filter((_, i) => levels[i] === level && groups[i] === group);
  // Industry C36 = E1 + E3: 60, 80, 130, 120.
  assert.deepEqual(pick("industry", "C36", "output_value"), [60, 80, 130, 120]);
  assertClose(pick("industry", "C36", "mom_pct"), [null, null, 62.5, (-10.0 / 130.0) * 100.0]);
  assertClose(pick("industry", "C36", "yoy_pct"), [null, null, (70.0 / 60.0) * 100.0, null]);
  // Park P2 = E2 + E3: 40, 40, 80, 60.
  assert.deepEqual(pick("park", "P2", "output_value"), [40, 40, 80, 60]);
  assertClose(pick("park", "P2", "mom_pct"), [null, null, 100, -25]);
  assertClose(pick("park", "P2", "yoy_pct"), [null, null, 100, null]);
});

test("a missing previous month leaves growth null", () => {
  // 2024-03 is missing: 2024-04 has no month-on-month rate; 2025-04 compares with 2024-04 only.
  const rows: Row[] = [
    ["E1", "2024-02", 10.0],
    ["E1", "2024-04", 20.0],
    ["E1", "2025-03", 30.0],
    ["E1", "2025-04", 45.0],
  ];
  const table = run(directory(), rows).param("level", "park").run(OutputGrowth).table("growth");
  assert.deepEqual(table.column("month"), ["2024-02", "2024-04", "2025-03", "2025-04"]);
  assertClose(table.column("mom_pct"), [null, null, null, 50]);
  assertClose(table.column("yoy_pct"), [null, null, null, 125]);
});

test("skips null output, unknown enterprises and null group keys", () => {
  const enterprises = new Batch()
    .withStr("enterprise_id", ["E1", "E2"])
    .withStr("district_id", ["D1", "D1"])
    .withStr("park_id", ["P1", null])
    .withStr("industry_code", ["C36", "C36"]);
  const rows: Row[] = [
    ["E1", "2024-01", 10.0],
    ["E2", "2024-01", 5.0],
    ["E1", "2024-02", null],
    ["E9", "2024-01", 1000.0],
  ];
  const result = run(enterprises, rows).run(OutputGrowth);
  const table = result.table("growth");
  assert.deepEqual(table.column("level"), ["district", "industry", "park"]);
  assert.deepEqual(table.column("group"), ["D1", "C36", "P1"]);
  // E2 has no park, so park P1 holds E1 only.
  assert.deepEqual(table.column("output_value"), [15, 15, 10]);
  assert.ok(result.logged("1 rows of enterprises not in"), JSON.stringify(result.log));
});

test("reads only the key column of the chosen level", () => {
  // No district or industry column: fine when only parks are asked for.
  const enterprises = new Batch().withStr("enterprise_id", ["E1", "E2"]).withStr("park_id", ["P1", "P1"]);
  const rows: Row[] = [
    ["E1", "2024-01", 10.0],
    ["E2", "2024-01", 5.0],
  ];
  assert.deepEqual(run(enterprises, rows).param("level", "park").run(OutputGrowth).table("growth").column("output_value"), [15]);
  assert.throws(() => run(enterprises, rows).param("level", "district").run(OutputGrowth));
});

test("refuses an unknown level", () => {
  for (const level of ["county", "", "District", "all,park"]) {
    assert.throws(() => run(directory(), ROWS).param("level", level).run(OutputGrowth), InvalidParams, level);
  }
});

test("refuses duplicate enterprises and malformed months", () => {
  const duplicated = enterprises([
    ["E1", "D1", "P1", "C36"],
    ["E1", "D2", "P2", "C13"],
  ]);
  assert.throws(() => run(duplicated, ROWS).run(OutputGrowth), InvalidData);
  assert.throws(() => run(directory(), [["E1", "2024-00", 1.0]]).run(OutputGrowth), InvalidData);
});

test("empty data gives an empty table", () => {
  // Typed empty columns (an empty array has no type to infer): as the Rust test's empty batches.
  const result = run(enterprises([]), []).run(OutputGrowth);
  assert.equal(result.table("growth").numRows, 0);
  assert.equal(result.metric("groups"), 0);
});

/** Sixty enterprises in 4 districts, 7 parks and 5 industries over 26 months, random values (the Rust test's generator, bit for bit). */
function generated(reverse: boolean): [Batch, Batch] {
  const ids = Array.from({ length: 60 }, (_, i) => `E${String(i + 1).padStart(5, "0")}`);
  const dir = ids.map((id, i): [string, string, string, string] => [
    id,
    `6101${String(i % 4).padStart(2, "0")}`,
    `P${String(i % 7).padStart(2, "0")}`,
    `C${13 + (i % 5)}`,
  ]);
  const months = Array.from({ length: 26 }, (_, m) => `${2023 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`);
  let state = 0x1234_5678n;
  const next = () => {
    state = BigInt.asUintN(64, state * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n);
    return Number(state >> 11n) / 2 ** 53;
  };
  const rows: Row[] = [];
  for (const id of ids) {
    for (const month of months) {
      const value = next() < 0.02 ? null : 1000.0 * next();
      rows.push([id, month, value]);
    }
  }
  if (reverse) rows.reverse();
  return [enterprises(dir), monthly(rows)];
}

test("same result for any batch size, row order or string encoding", () => {
  const [dir, rows] = generated(false);
  const go = (rows: Batch) => new TestRun().dataset("enterprises", dir).dataset("monthly_indicators", rows);
  const whole: RunResult = go(rows).run(OutputGrowth);
  assert.equal(whole.metric("groups"), 16);
  assert.equal(whole.table("growth").numRows, 16 * 26);
  assert.deepEqual(go(rows).batchRows(3).run(OutputGrowth).document, whole.document);
  const [, reversed] = generated(true);
  assert.deepEqual(go(reversed).batchRows(7).run(OutputGrowth).document, whole.document);
  // Strings sent plain (a 0.1.0 host), or plain once a scan's dictionary passes 5 values.
  assert.deepEqual(go(rows).dictionaryBound(0).run(OutputGrowth).document, whole.document);
  assert.deepEqual(go(rows).batchRows(3).dictionaryBound(5).run(OutputGrowth).document, whole.document);
});

test("accepts whole-number output values typed as integers", () => {
  // CSV files type whole numbers as s64; the SDK widens them to f64.
  const monthly = new Batch()
    .withStr("enterprise_id", ["E1", "E2", "E1"])
    .withStr("month", ["2024-01", "2024-01", "2024-02"])
    .withS64("output_value", [100n, 60n, 120n]);
  const table: ResultTable = new TestRun()
    .dataset("enterprises", directory())
    .dataset("monthly_indicators", monthly)
    .param("level", "district")
    .run(OutputGrowth)
    .table("growth");
  assert.deepEqual(table.column("output_value"), [160, 120]);
  assertClose(table.column("mom_pct"), [null, -25]);
});
