import { expect, test } from "vitest";
import { csvRows, describeError, parseCsv, parseJson, parseTenantsFile } from "./tenantImport";

test("CSV fields may be quoted, hold commas and quotes, and lines end in CRLF or LF", () => {
  expect(csvRows('a,"b,c","say ""hi"""\r\n1,2,3\n')).toEqual([["a", "b,c", 'say "hi"'], ["1", "2", "3"]]);
});

test("a CSV with the generator's column names becomes tenants", () => {
  const csv = "\ufeffenterprise_id,name,district,park,industry_code,size_class,opted_in\nE00017,西安瑞德阀门有限公司,yanta,high-tech-zone,c34,micro,false\n";
  const p = parseCsv(csv);
  expect(p.errors).toEqual([]);
  expect(p.tenants).toEqual([
    { id: "e00017", name: "西安瑞德阀门有限公司", district: "yanta", park: "high-tech-zone", industry: "C34", size_class: "micro", opted_in: false },
  ]);
});

test("bad rows are refused with their line, and nothing is kept to send", () => {
  const p = parseCsv("id,name,district,industry,size_class\ne1,A,yanta,C34,huge\n,B,yanta,C34,small\ne1,C,yanta,C34,small\n");
  expect(p.errors.map(describeError)).toEqual(['line 2: invalid size_class "huge"', "line 3: missing id"]);
  expect(describeError(parseCsv("id,name\ne1,A\n").errors[0]!)).toBe('line 1: columns "district, industry"');
});

test("repeated ids are refused", () => {
  const p = parseCsv("id,name,district,industry\ne1,A,yanta,C34\ne1,B,yanta,C34\n");
  expect(p.errors.map(describeError)).toEqual(['line 3: repeated id "e1"']);
});

test("JSON is an array of tenants or an import body; the park defaults to none", () => {
  const one = { id: "e2", name: "B", district: "beilin", industry: "C39" };
  expect(parseJson(JSON.stringify([one])).tenants[0]).toEqual({ ...one, park: "none", size_class: "small" });
  expect(parseTenantsFile("x.json", JSON.stringify({ tenants: [one] })).tenants).toHaveLength(1);
  expect(parseJson("{").errors).toHaveLength(1);
});
