import { expect, test } from "vitest";
import { contractOf, readOutputs, witType } from "./contract";

test("a 0.1.0 version's outputs, stored before schemas existed or with a null kind, read as undeclared", () => {
  const storedBefore = { outputs: [{ name: "by_machine", doc: "per machine" }] };
  const storedAfter = { outputs: [{ name: "by_machine", doc: "per machine", kind: null }] };
  const undeclared = [{ name: "by_machine", doc: "per machine", shape: "undeclared", columns: [] }];
  expect(readOutputs(storedBefore)).toEqual(undeclared);
  expect(readOutputs(storedAfter)).toEqual(undeclared);
});

test("a 0.2.0 table reads with each column's type and nullability, and a metric as a metric", () => {
  const describe = {
    outputs: [
      {
        name: "by_enterprise",
        doc: "",
        kind: {
          Table: [
            { name: "enterprise_id", type_: "String", nullable: false, doc: "id" },
            { name: "kwh", type_: "F64", nullable: true, doc: "" },
          ],
        },
      },
      { name: "total", doc: "kWh", kind: "Metric" },
    ],
  };
  const [table, metric] = readOutputs(describe);
  expect(table?.shape).toBe("table");
  expect(table?.columns).toEqual([
    { name: "enterprise_id", type: "String", nullable: false, doc: "id" },
    { name: "kwh", type: "F64", nullable: true, doc: "" },
  ]);
  expect([metric?.shape, metric?.columns]).toEqual(["metric", []]);
  expect(witType("Timestamp")).toBe("timestamp");
});

test("malformed outputs show less rather than failing", () => {
  expect(readOutputs(null)).toEqual([]);
  expect(readOutputs({ outputs: "x" })).toEqual([]);
  const [odd] = readOutputs({ outputs: [{ name: "t", kind: { Table: [null, { name: "c", type_: "U128" }] } }, 7] });
  expect(odd?.columns).toEqual([{ name: "c", type: "String", nullable: false, doc: "" }]);
  expect(readOutputs({ outputs: [{ name: "t", kind: "Gauge" }] })[0]?.shape).toBe("undeclared");
});

test("a version record without a contract is taken as 0.1.0's", () => {
  expect(contractOf({ contract: "0.2.0" })).toBe("0.2.0");
  expect(contractOf({})).toBe("0.1.0");
  expect(contractOf(null)).toBe("0.1.0");
});
