import { expect, test } from "vitest";
import { defaultSelection, grantRows, toGrants, uncheckedAsked } from "./grants";

const asked = [
  { name: "monthly_indicators", columns: ["enterprise_id", "month", "output_value"], doc: "" },
  { name: "enterprises", columns: ["enterprise_id"], doc: "" },
];
const tenant = [
  {
    name: "monthly_indicators",
    columns: [
      { name: "enterprise_id", type: "string" },
      { name: "month", type: "string" },
      { name: "revenue", type: "f64" },
    ],
  },
  { name: "other", columns: [{ name: "x", type: "f64" }] },
];

test("the form offers the datasets describe() asks for, with the tenant's columns", () => {
  const rows = grantRows(asked, tenant);
  expect(rows.map((r) => [r.dataset, r.present])).toEqual([
    ["monthly_indicators", true],
    ["enterprises", false],
  ]);
  expect(rows[0]!.columns.map((c) => c.name)).toEqual(["enterprise_id", "month", "revenue"]);
  expect(rows[0]!.missing).toEqual(["output_value"]);
});

test("the asked columns the tenant has start checked; nothing the tenant lacks", () => {
  const rows = grantRows(asked, tenant);
  expect(defaultSelection(rows)).toEqual({ monthly_indicators: ["enterprise_id", "month"], enterprises: [] });
});

test("grants keep schema order and leave out absent datasets and empty ones", () => {
  const rows = grantRows(asked, tenant);
  expect(toGrants(rows, { monthly_indicators: ["revenue", "enterprise_id", "nope"], enterprises: ["enterprise_id"] })).toEqual([
    { dataset: "monthly_indicators", columns: ["enterprise_id", "revenue"] },
  ]);
  expect(toGrants(rows, { monthly_indicators: [] })).toEqual([]);
});

test("unchecking an asked column is pointed out", () => {
  const rows = grantRows(asked, tenant);
  expect(uncheckedAsked(rows[0]!, ["enterprise_id"])).toEqual(["month"]);
});
