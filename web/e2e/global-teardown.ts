// Stops the demo global-setup started and removes its data directory.
import { rmSync } from "node:fs";

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.KILN_DEMO_PID);
  if (pid) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (process.env.KILN_DEMO_DIR) rmSync(process.env.KILN_DEMO_DIR, { recursive: true, force: true });
}
