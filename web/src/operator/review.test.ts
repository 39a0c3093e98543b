import { expect, test } from "vitest";
import {
  contractChange,
  described,
  entryOf,
  noChanges,
  paramValue,
  schemaLines,
  subjectOf,
  type Changes,
} from "./review";

const describe_ = {
  description: "OEE",
  params: [{ name: "min_planned_min", type_: "F64", default: { F64: 0.0 }, doc: "Leave out machines." }],
  datasets: [{ name: "equipment_telemetry", columns: ["machine_id", "run_min"], doc: "Daily." }],
  outputs: [{ name: "by_machine", doc: "per machine" }],
};

test("describe() is read into params with type and default, datasets with columns, outputs", () => {
  const d = described(describe_);
  expect(d.params).toEqual([{ name: "min_planned_min", type: "f64", default: "0", doc: "Leave out machines." }]);
  expect(d.datasets[0]?.columns).toEqual(["machine_id", "run_min"]);
  expect(d.outputs.map((o) => [o.name, o.shape])).toEqual([["by_machine", "undeclared"]]);
});

test("a malformed describe() shows nothing rather than failing", () => {
  expect(described(null)).toEqual({ description: "", params: [], datasets: [], outputs: [] });
  expect(described({ params: "x", datasets: [null, 3] }).params).toEqual([]);
});

test("tagged parameter values show their value", () => {
  expect(paramValue({ Str: "a,b" })).toBe('"a,b"');
  expect(paramValue({ Bool: true })).toBe("true");
  expect(paramValue(null)).toBe("");
});

test("a queue item is read whether it is a bare version or a version with its changes", () => {
  const v = { namespace: "acme", name: "oee", version: "0.2.0" };
  expect(entryOf(v).changes).toBeNull();
  expect(subjectOf(entryOf(v).version)).toBe("acme/oee@0.2.0");
  const changes = { base: "0.1.0" } as Changes;
  expect(entryOf({ version: v, changes }).changes?.base).toBe("0.1.0");
  const flat = entryOf({ ...v, changes });
  expect([flat.version.version, flat.changes?.base]).toEqual(["0.2.0", "0.1.0"]);
});

test("a change report with nothing in it says so", () => {
  const none = { added: [], removed: [], changed: [] };
  const c: Changes = {
    base: "0.1.0", base_status: "approved", description_changed: false, params: none, datasets: none, columns: [],
    outputs: none, output_schemas: [], imports: null, contract: { before: "0.1.0", after: "0.1.0" },
    size: { before: 10, after: 10, delta: 0 }, key_changed: false,
  };
  expect(noChanges(c)).toBe(true);
  expect(noChanges({ ...c, params: { ...none, added: ["x"] } })).toBe(false);
  expect(noChanges({ ...c, contract: { before: "0.1.0", after: "0.2.0" } })).toBe(false);
});

test("output schema changes list shapes, added and removed columns, and retyped ones with nullability", () => {
  const none = { added: [], removed: [], changed: [] };
  const c: Changes = {
    base: "0.1.0", base_status: "approved", description_changed: false, params: none, datasets: none, columns: [],
    outputs: none, imports: null, size: { before: 10, after: 10, delta: 0 }, key_changed: false,
    contract: { before: "0.1.0", after: "0.2.0" },
    output_schemas: [
      { output: "m", before: "undeclared", after: "metric", added: [], removed: [], changed: [] },
      {
        output: "t", before: "table", after: "table", added: ["fresh"], removed: ["gone"],
        changed: [{ name: "x", before: { type: "f64", nullable: false }, after: { type: "s64", nullable: true } }],
      },
    ],
  };
  expect(schemaLines(c)).toEqual([
    { output: "m", shape: { before: "undeclared", after: "metric" }, added: [], removed: [], changed: [] },
    { output: "t", shape: null, added: ["fresh"], removed: ["gone"], changed: ["x: f64 → s64?"] },
  ]);
  expect(contractChange(c)).toEqual(["0.1.0", "0.2.0"]);
  expect(contractChange({ ...c, contract: { before: null, after: "0.2.0" } })).toBeNull();
  expect(noChanges(c)).toBe(false);
});
