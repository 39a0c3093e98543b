// Who may open which page. The API is the authority (it refuses whatever a page asks for that
// the caller may not have); this keeps the console from showing pages that would only fail.
import type { RouteLocationNormalized } from "vue-router";
import type { Session } from "./session";

/** Whether `s` may open `to`: its role is among the route's, and a tenant page is its own tenant's. */
export function mayOpen(s: Session, to: Pick<RouteLocationNormalized, "meta" | "params">): boolean {
  const roles = to.meta.roles as readonly string[] | undefined;
  if (roles && !roles.includes(s.principal.role)) return false;
  const tenant = to.params.tenant;
  if (typeof tenant === "string" && s.principal.role === "enterprise-admin" && s.principal.tenant !== tenant) {
    return false;
  }
  return true;
}
