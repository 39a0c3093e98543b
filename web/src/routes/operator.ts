// The operator's pages.
import type { RouteRecordRaw } from "vue-router";

const roles = ["operator"] as const;

/** Routes of the operator's pages. */
export const operatorRoutes: RouteRecordRaw[] = [];
void roles;
