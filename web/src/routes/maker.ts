// The maker's pages.
import type { RouteRecordRaw } from "vue-router";

const roles = ["maker"] as const;

/** Routes of the maker's pages. */
export const makerRoutes: RouteRecordRaw[] = [
  { path: "/maker", name: "maker", component: () => import("../pages/maker/Maker.vue"), meta: { roles: [...roles] } },
];
