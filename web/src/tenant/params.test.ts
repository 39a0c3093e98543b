import { describe as group, expect, test } from "vitest";
import { readDescribe, valueOf, type ParamSpec } from "./describe";
import { coerce, coerceLimit, collectParams, initialText, inputType } from "./params";

const f64: ParamSpec = { name: "ratio", type: "F64", default: 1.5, doc: "" };
const s64: ParamSpec = { name: "top", type: "S64", default: 20, doc: "" };
const req: ParamSpec = { name: "n", type: "S64", default: undefined, doc: "" };
const str: ParamSpec = { name: "level", type: "String", default: "all", doc: "" };
const bool: ParamSpec = { name: "strict", type: "Bool", default: false, doc: "" };

group("describe()", () => {
  test("stored values are read from their tagged form", () => {
    expect(valueOf({ F64: 0.5 })).toBe(0.5);
    expect(valueOf({ String: "all" })).toBe("all");
    expect(valueOf(null)).toBeUndefined();
  });

  test("a describe document gives typed params, datasets and outputs", () => {
    const d = readDescribe({
      name: "oee",
      params: [{ name: "min", type_: "F64", default: { F64: 0 }, doc: "d" }, { name: "x", type_: "Weird", default: null }],
      datasets: [{ name: "t", columns: ["a", 1, "b"], doc: "" }],
      outputs: [{ name: "o", doc: "x" }],
    });
    expect(d.params).toEqual([
      { name: "min", type: "F64", default: 0, doc: "d" },
      { name: "x", type: "String", default: undefined, doc: "" },
    ]);
    expect(d.datasets[0]!.columns).toEqual(["a", "b"]);
    expect(d.outputs).toHaveLength(1);
  });

  test("a malformed describe document reads as empty", () => {
    expect(readDescribe("nope").params).toEqual([]);
  });
});

group("parameters", () => {
  test("fields start with the default as text", () => {
    expect(initialText(f64)).toBe("1.5");
    expect(initialText(req)).toBe("");
    expect(inputType("Bool")).toBe("checkbox");
    expect(inputType("S64")).toBe("number");
  });

  test("a float takes any finite number, as the API does", () => {
    expect(coerce(f64, "2")).toEqual({ ok: true, value: 2 });
    expect(coerce(f64, " -1.25e2 ")).toEqual({ ok: true, value: -125 });
    expect(coerce(f64, "abc")).toEqual({ ok: false, error: { key: "number" } });
    expect(coerce(f64, "1e999")).toEqual({ ok: false, error: { key: "range" } });
  });

  test("an integer refuses fractions and numbers JSON cannot carry exactly", () => {
    expect(coerce(s64, "7")).toEqual({ ok: true, value: 7 });
    expect(coerce(s64, "7.5")).toEqual({ ok: false, error: { key: "integer" } });
    expect(coerce(s64, "99999999999999999999")).toEqual({ ok: false, error: { key: "range" } });
  });

  test("an empty field uses the default, or is refused when there is none", () => {
    expect(coerce(s64, "")).toEqual({ ok: true, value: undefined });
    expect(coerce(req, "  ")).toEqual({ ok: false, error: { key: "required" } });
  });

  test("strings are sent as typed and booleans only as true or false", () => {
    expect(coerce(str, " district ")).toEqual({ ok: true, value: " district " });
    expect(coerce(bool, "true")).toEqual({ ok: true, value: true });
    expect(coerce(bool, "yes")).toEqual({ ok: false, error: { key: "bool" } });
  });

  test("collecting sends only declared, valid parameters and names the bad ones", () => {
    const { params, errors } = collectParams([f64, s64, req], { ratio: "3", top: "x", n: "", extra: "1" });
    expect(params).toEqual({ ratio: 3 });
    expect(Object.keys(errors).sort()).toEqual(["n", "top"]);
  });

  test("limits are empty for the cap or a non-negative integer", () => {
    expect(coerceLimit("")).toEqual({ ok: true, value: null });
    expect(coerceLimit("1000")).toEqual({ ok: true, value: 1000 });
    expect(coerceLimit("-1").ok).toBe(false);
    expect(coerceLimit("1.5").ok).toBe(false);
  });
});
