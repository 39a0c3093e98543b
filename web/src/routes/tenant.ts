// The tenant's pages.
import type { RouteRecordRaw } from "vue-router";

const roles = ["enterprise-admin"] as const;

/** Routes of the tenant's pages. */
export const tenantRoutes: RouteRecordRaw[] = [];
void roles;
