// Every page has a URL, so a reload or a shared link lands where the user was. Each route says
// who may see it; the guard sends the signed-out to sign-in (and back afterwards) and shows
// "not found" for a page of another role or another tenant, the same answer the API gives.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import { mayOpen } from "./access";
import { homeOf, loadSession, session } from "./session";
import { operatorRoutes } from "./routes/operator";
import { tenantRoutes } from "./routes/tenant";
import { makerRoutes } from "./routes/maker";

const routes: RouteRecordRaw[] = [
  { path: "/signin", name: "signin", component: () => import("./pages/SignIn.vue"), meta: { public: true } },
  { path: "/", name: "home", redirect: () => (session.value ? homeOf(session.value) : "/signin") },
  ...operatorRoutes,
  ...tenantRoutes,
  ...makerRoutes,
  // Not public: the signed-out are asked to sign in before they learn which pages exist.
  { path: "/:rest(.*)*", name: "not-found", component: () => import("./pages/NotFound.vue") },
];

/** The console's router. */
export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (session.value === undefined) {
    try {
      await loadSession();
    } catch {
      session.value = null;
    }
  }
  if (to.meta.public) return true;
  const s = session.value;
  if (!s) return { name: "signin", query: { next: to.fullPath } };
  if (!mayOpen(s, to)) return { name: "not-found", params: { rest: to.path.slice(1).split("/") } };
  return true;
});
