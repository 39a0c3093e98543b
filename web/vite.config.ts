import { defineConfig } from "vitest/config";
import vue from "@vitejs/plugin-vue";

// `npm run dev` proxies the API to a `kiln serve` on KILN_API (default 127.0.0.1:8080), so the
// console can be developed against a real service with hot reload. `cargo build` runs
// `npm run build` itself (web/build.rs) and embeds the result in the `kiln` binary.
export default defineConfig({
  plugins: [vue()],
  build: {
    // Every asset is served by Kiln itself: nothing is inlined as a data: URL, so the CSP can
    // stay `default-src 'self'`.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    sourcemap: false,
  },
  server: {
    proxy: { "/v1": `http://${process.env.KILN_API ?? "127.0.0.1:8080"}` },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
