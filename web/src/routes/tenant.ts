// The enterprise admin's pages, all under the tenant's own `/t/:tenant/...` (the guard shows
// "not found" for another tenant's, as the API answers).
import type { RouteRecordRaw } from "vue-router";

const roles = ["enterprise-admin"] as const;
const meta = { roles: [...roles] };

/** Routes of the tenant's pages. */
export const tenantRoutes: RouteRecordRaw[] = [
  { path: "/t/:tenant", redirect: (to) => `/t/${encodeURIComponent(String(to.params.tenant))}/catalog`, meta },
  { path: "/t/:tenant/catalog", name: "catalog", component: () => import("../pages/tenant/Catalog.vue"), meta },
  { path: "/t/:tenant/plugins/:ns/:name", name: "plugin", component: () => import("../pages/tenant/Plugin.vue"), meta },
  { path: "/t/:tenant/plugins/:ns/:name/enable", name: "enable", component: () => import("../pages/tenant/Enable.vue"), meta },
  { path: "/t/:tenant/enablements", name: "enablements", component: () => import("../pages/tenant/Enablements.vue"), meta },
  { path: "/t/:tenant/datasets", name: "datasets", component: () => import("../pages/tenant/Datasets.vue"), meta },
  { path: "/t/:tenant/runs", name: "runs", component: () => import("../pages/tenant/Runs.vue"), meta },
  { path: "/t/:tenant/runs/:id", name: "run", component: () => import("../pages/tenant/Run.vue"), meta },
  { path: "/t/:tenant/usage", name: "usage", component: () => import("../pages/tenant/Usage.vue"), meta },
];
