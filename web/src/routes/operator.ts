// The operator's pages: the overview, the regional dashboard, the review desk, the audit log
// and the tenants. Each page keeps its state in the URL's query.
import type { RouteRecordRaw } from "vue-router";

const meta = { roles: ["operator"] as const };

/** Routes of the operator's pages. */
export const operatorRoutes: RouteRecordRaw[] = [
  { path: "/overview", name: "overview", component: () => import("../pages/operator/Overview.vue"), meta },
  { path: "/dashboard", name: "dashboard", component: () => import("../pages/operator/Dashboard.vue"), meta },
  { path: "/review", name: "review", component: () => import("../pages/operator/Review.vue"), meta },
  { path: "/audit", name: "audit", component: () => import("../pages/operator/Audit.vue"), meta },
  { path: "/tenants", name: "tenants", component: () => import("../pages/operator/Tenants.vue"), meta },
  { path: "/tenants/:tenant", name: "tenant", component: () => import("../pages/operator/Tenant.vue"), meta },
];
