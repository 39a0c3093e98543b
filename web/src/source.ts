// A version's source, as its component carries it: `kiln plugin build` embeds a Python
// plugin's project files; a Rust plugin carries none (its source is in the manifest's
// repository). The text is the maker's, untrusted: it is only ever shown as text.
import { api, unwrap, type Schema } from "./api/client";

/** One file of a version's source. */
export type SourceFile = Schema<"SourceFile">;

/** The version a source belongs to. */
export interface SourceOf {
  namespace: string;
  name: string;
  version: string;
}

/** The files of a `Source` answer, read defensively: entries without a string path and text are left out. */
export function sourceFiles(answer: unknown): SourceFile[] {
  const files = answer && typeof answer === "object" ? (answer as Record<string, unknown>).files : undefined;
  if (!Array.isArray(files)) return [];
  return files.filter(
    (f): f is SourceFile => !!f && typeof f === "object" && typeof f.path === "string" && typeof f.text === "string",
  );
}

/** The file to show: the one picked by path, else the first; null when there are none. */
export function shownFile(files: readonly SourceFile[], picked: string | null): SourceFile | null {
  return files.find((f) => f.path === picked) ?? files[0] ?? null;
}

/** Reads a version's source files (empty when its component carries none). */
export async function fetchSource(v: SourceOf): Promise<SourceFile[]> {
  const path = { ns: v.namespace, name: v.name, version: v.version };
  return sourceFiles(await unwrap(api.GET("/v1/plugins/{ns}/{name}/versions/{version}/source", { params: { path } })));
}
