// Who is signed in. The browser holds only an HttpOnly session cookie it cannot read; this
// module keeps what the service says about that session, and the CSRF token writes need.
import { ref } from "vue";
import { api, setCsrfToken, unwrap, ApiProblem, type Schema } from "./api/client";

/** The signed-in session, as the service describes it. */
export type Session = Schema<"SessionInfo">;

/** The current session; null when signed out, undefined until first asked. */
export const session = ref<Session | null | undefined>(undefined);

function adopt(s: Session | null): Session | null {
  session.value = s;
  setCsrfToken(s?.csrf_token ?? null);
  return s;
}

/** Asks the service whether the cookie still names a live session. */
export async function loadSession(): Promise<Session | null> {
  try {
    return adopt(await unwrap(api.GET("/v1/session")));
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 401) return adopt(null);
    throw e;
  }
}

/** Exchanges a pasted token or a one-time link for a session cookie. */
export async function signIn(credential: { token: string } | { link: string }): Promise<Session> {
  const s = await unwrap(api.POST("/v1/session", { body: credential }));
  adopt(s);
  return s;
}

/** Ends the session on the service and forgets it here. */
export async function signOut(): Promise<void> {
  try {
    await unwrap(api.DELETE("/v1/session"));
  } finally {
    adopt(null);
  }
}

/** Where a principal starts: operators at the overview, admins at their tenant's catalog. */
export function homeOf(s: Session): string {
  switch (s.principal.role) {
    case "operator":
      return "/overview";
    case "enterprise-admin":
      return `/t/${encodeURIComponent(s.principal.tenant ?? "")}/catalog`;
    default:
      return "/maker";
  }
}
