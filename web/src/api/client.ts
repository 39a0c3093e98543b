// The one way the console talks to the service: a typed client generated from the service's
// OpenAPI document (`schema.d.ts`, made by `npm run api:gen`), sending the session cookie and,
// on writes, the session's CSRF token. Every refusal becomes an `ApiProblem`.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

/** A schema of the API, by name. */
export type Schema<K extends keyof components["schemas"]> = components["schemas"][K];

/** An RFC 9457 problem the service answered with (or a network failure, as `network`). */
export class ApiProblem extends Error {
  constructor(
    /** The HTTP status, 0 when the service could not be reached. */
    readonly status: number,
    /** The problem's slug: the last segment of its `type` URI. */
    readonly slug: string,
    /** The service's title (English). */
    readonly title: string,
    /** The service's detail for this occurrence. */
    readonly detail: string,
  ) {
    super(`${slug}: ${detail}`);
  }
}

/** The slug of a problem `type` URI (`https://kiln.dev/problems/not-found` → `not-found`). */
export function slugOf(type: string | undefined): string {
  if (!type) return "other";
  const slash = type.lastIndexOf("/");
  return slash >= 0 ? type.slice(slash + 1) : type;
}

/** Turns a response body into a problem, whatever the body is. */
export function toProblem(status: number, body: unknown): ApiProblem {
  if (body && typeof body === "object") {
    const p = body as Record<string, unknown>;
    return new ApiProblem(
      status,
      slugOf(typeof p.type === "string" ? p.type : undefined),
      typeof p.title === "string" ? p.title : "",
      typeof p.detail === "string" ? p.detail : "",
    );
  }
  return new ApiProblem(status, "other", "", typeof body === "string" ? body : "");
}

let csrfToken: string | null = null;

/** Sets the CSRF token sent with every write (from the session; null when signed out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method) && csrfToken) request.headers.set("X-CSRF-Token", csrfToken);
    return request;
  },
};

/** The typed client. Paths, parameters and bodies are checked against the OpenAPI document. */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "", credentials: "same-origin" });
api.use(csrf);

/** The answer of an openapi-fetch call. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits a call and returns its data, throwing an `ApiProblem` for any refusal. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch (e) {
    throw new ApiProblem(0, "network", "", e instanceof Error ? e.message : String(e));
  }
  if (answer.error !== undefined || !answer.response.ok) throw toProblem(answer.response.status, answer.error);
  return answer.data as T;
}

/** Fetches a non-JSON resource (CSV, a download) through the session; throws problems likewise. */
export async function fetchBlob(path: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: "same-origin" });
  } catch (e) {
    throw new ApiProblem(0, "network", "", e instanceof Error ? e.message : String(e));
  }
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text as the detail.
    }
    throw toProblem(response.status, body);
  }
  return response.blob();
}

/** Sends a file with upload progress (fetch cannot report it), through the session. */
export function uploadWithProgress(
  method: string,
  path: string,
  file: Blob,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", contentType);
    if (csrfToken) xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiProblem(0, "network", "", "the upload did not reach the service"));
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Keep the text.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(toProblem(xhr.status, body));
    };
    xhr.send(file);
  });
}
