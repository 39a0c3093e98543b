import { createSSRApp } from "vue";
import { renderToString } from "vue/server-renderer";
import { afterEach, expect, test, vi } from "vitest";
import { api, ApiProblem } from "./api/client";
import SourceFiles from "./components/SourceFiles.vue";
import { setLocale } from "./i18n";
import { fetchSource, shownFile, sourceFiles, type SourceFile } from "./source";

afterEach(() => {
  setLocale("zh-CN");
  vi.restoreAllMocks();
});

function render(props: { files: SourceFile[] | null; loading?: boolean; error?: unknown }): Promise<string> {
  return renderToString(createSSRApp(SourceFiles, props));
}

const HOSTILE = '<script>alert("owned")</script>\n<img src=x onerror="alert(1)">\nprint("ok")';

test("a file's text containing a script tag is shown as text, never as markup", async () => {
  const html = await render({ files: [{ path: "src/app.py", text: HOSTILE }] });
  expect(html).toContain("&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;");
  expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  expect(html).not.toContain("<script");
  expect(html).not.toContain("<img");
});

test("a file's path is shown as text too, even when it looks like markup", async () => {
  const html = await render({ files: [{ path: "<b>x</b>.py", text: "" }, { path: 'a".py', text: "" }] });
  expect(html).toContain("&lt;b&gt;x&lt;/b&gt;.py");
  expect(html).not.toContain("<b>");
  expect(html).toContain('data-path="a&quot;.py"');
});

test("the text is shown in a scrollable, monospaced pre that keyboard users can reach", async () => {
  const html = await render({ files: [{ path: "app.py", text: "def run():\n    return 1\n" }] });
  expect(html).toMatch(/<pre class="source-text"[^>]*tabindex="0"[^>]*aria-label="app.py"[^>]*data-test="source-text"[^>]*><code[^>]*>def run\(\):\n {4}return 1\n<\/code><\/pre>/);
});

test("a single file is shown under its path, without a list to pick from", async () => {
  const html = await render({ files: [{ path: "app.py", text: "x = 1" }] });
  expect(html).toMatch(/<code data-test="source-path"[^>]*>app.py<\/code>/);
  expect(html).not.toContain('data-test="source-files"');
});

test("with several files each path is listed and the first is shown", async () => {
  const files = [
    { path: "pyproject.toml", text: "[project]" },
    { path: "src/app.py", text: "import kiln" },
  ];
  const html = await render({ files });
  expect(html).toContain('data-test="source-files"');
  expect(html.match(/data-test="source-file"/g)).toHaveLength(2);
  expect(html).toMatch(/aria-current="true"[^>]*data-path="pyproject.toml"/);
  expect(html).not.toMatch(/aria-current="true"[^>]*data-path="src\/app.py"/);
  expect(html).toMatch(/<code[^>]*>\[project\]<\/code><\/pre>/);
  expect(html).not.toContain("import kiln");
});

test("a component that carries no source says so, pointing to the manifest's repository, in each locale", async () => {
  setLocale("en");
  let html = await render({ files: [] });
  expect(html).toContain('class="muted" data-test="source-none"');
  expect(html).toContain("This component carries no source; see the manifest&#39;s repository.");
  expect(html).not.toContain("<pre");
  setLocale("zh-CN");
  html = await render({ files: [] });
  expect(html).toContain("此组件未附带源码，请查看清单中的源码仓库。");
});

test("while the source is read a loading line is shown, and no note", async () => {
  setLocale("en");
  const html = await render({ files: null, loading: true });
  expect(html).toContain('data-test="source-loading"');
  expect(html).toContain("Loading…");
  expect(html).not.toContain("source-none");
});

test("a refusal is shown as a problem in the user's language, and no note", async () => {
  setLocale("en");
  const html = await render({ files: null, error: new ApiProblem(404, "not-found", "No such resource", "acme/energy@1.0.0") });
  expect(html).toContain('role="alert"');
  expect(html).toContain("Not found");
  expect(html).toContain("acme/energy@1.0.0");
  expect(html).not.toContain("source-none");
});

test("the file shown is the one picked, else the first, else none", () => {
  const files = [
    { path: "a.py", text: "a" },
    { path: "b.py", text: "b" },
  ];
  expect(shownFile(files, "b.py")?.path).toBe("b.py");
  expect(shownFile(files, null)?.path).toBe("a.py");
  expect(shownFile(files, "gone.py")?.path).toBe("a.py");
  expect(shownFile([], null)).toBeNull();
});

test("an answer is read defensively: files without a string path and text are left out", () => {
  expect(sourceFiles({ files: [{ path: "a.py", text: "x" }] })).toEqual([{ path: "a.py", text: "x" }]);
  expect(sourceFiles({ files: [{ path: "a.py" }, { path: 7, text: "x" }, null, "b.py"] })).toEqual([]);
  expect(sourceFiles({})).toEqual([]);
  expect(sourceFiles(null)).toEqual([]);
});

test("the source is read from the version's source route", async () => {
  const get = vi.spyOn(api, "GET").mockResolvedValue({
    data: { files: [{ path: "src/app.py", text: "print(1)" }] },
    response: new Response(null, { status: 200 }),
  } as never);
  const files = await fetchSource({ namespace: "acme", name: "energy", version: "1.2.0" });
  expect(files).toEqual([{ path: "src/app.py", text: "print(1)" }]);
  expect(get).toHaveBeenCalledWith("/v1/plugins/{ns}/{name}/versions/{version}/source", {
    params: { path: { ns: "acme", name: "energy", version: "1.2.0" } },
  });
});

test("a version the caller may not see is refused as not found", async () => {
  vi.spyOn(api, "GET").mockResolvedValue({
    error: { type: "https://kiln.dev/problems/not-found", title: "No such resource", detail: "acme/energy@9.9.9" },
    response: new Response(null, { status: 404 }),
  } as never);
  const refusal = fetchSource({ namespace: "acme", name: "energy", version: "9.9.9" });
  await expect(refusal).rejects.toBeInstanceOf(ApiProblem);
  await expect(refusal).rejects.toMatchObject({ status: 404, slug: "not-found" });
});
