// Starts `kiln demo` on a free port with a fresh data directory and waits for its summary,
// which carries the console's URL, sign-in links and tokens; tests read it from KILN_DEMO.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

export default async function globalSetup(): Promise<void> {
  const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    throw new Error(`no Chromium at ${chromium}: install Debian's (apt-get install chromium) or set CHROMIUM`);
  }
  const kiln = process.env.KILN_BIN ?? join(root, "target/debug/kiln");
  if (!existsSync(kiln)) throw new Error(`no kiln binary at ${kiln}: run \`cargo build -p kiln\` or set KILN_BIN`);
  const dir = mkdtempSync(join(tmpdir(), "kiln-e2e-"));
  const enterprises = process.env.KILN_DEMO_ENTERPRISES ?? "2000";
  // Files, not pipes: the demo keeps writing after the summary, and a closed pipe would fail it.
  const out = join(dir, "demo.out");
  const log = join(dir, "demo.log");
  const child = spawn(kiln, ["demo", "--json", "--listen", "127.0.0.1:0", "--data-dir", dir, "--enterprises", enterprises], {
    cwd: root,
    // The pinned TypeScript tools the test guests' build installed there, so the demo's
    // TypeScript example needs no second npm install.
    env: { KILN_CACHE_DIR: join(root, "target/kiln-cache"), ...process.env, KILN_DB: "", RUST_LOG: "warn" },
    stdio: ["ignore", openSync(out, "w"), openSync(log, "w")],
  });
  const tail = () => readFileSync(log, "utf8").slice(-4000);
  let poll: ReturnType<typeof setInterval> | undefined;
  const summary = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`kiln demo did not finish within 15 minutes:\n${tail()}`)), 15 * 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      fail(new Error(`kiln demo exited (${code}) before serving:\n${tail()}`));
    });
    // The summary is one pretty-printed JSON document; the demo keeps serving after it.
    poll = setInterval(() => {
      const stdout = readFileSync(out, "utf8");
      const end = stdout.lastIndexOf("\n}");
      if (stdout.startsWith("{") && end > 0) {
        clearInterval(poll);
        clearTimeout(timer);
        ok(stdout.slice(0, end + 2));
      }
    }, 200);
  });
  writeFileSync(join(dir, "demo.json"), summary);
  process.env.KILN_DEMO = join(dir, "demo.json");
  process.env.KILN_DEMO_PID = String(child.pid);
  process.env.KILN_DEMO_DIR = dir;
  child.removeAllListeners("exit");
  child.unref();
}
