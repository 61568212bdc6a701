// A fresh local stack per test: the binary the runner built, a free loopback
// port (the stack binds 127.0.0.1:0 and prints its URL), a fresh data dir and
// a bootstrap super_admin "admin" with a known passphrase.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const ADMIN = { username: "admin", password: "e2e-Bootstrap-passphrase-7431" };

/** startStack starts a fresh stack and resolves once GET /api/auth/config answers. */
export async function startStack() {
  const bin = process.env.E2E_GATEPASS_BIN;
  if (!bin) throw new Error("E2E_GATEPASS_BIN is not set: run the suite with `make e2e` or `node web/e2e/run.mjs`");
  const dataDir = await mkdtemp(join(tmpdir(), "gatepass-e2e-"));
  const child = spawn(bin, [], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GATEPASS_ADDR: "127.0.0.1:0",
      GATEPASS_DATA_DIR: dataDir,
      GATEPASS_WEB_DIR: process.env.E2E_WEB_DIR || join(repoRoot, "web"),
      GATEPASS_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      GATEPASS_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      // POST /_dev/clock moves the stack's clock forward (advanceClock below).
      GATEPASS_DEV_CLOCK: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  let exited = null;
  const exit = new Promise((res) => child.on("exit", (code, signal) => { exited = { code, signal }; res(exited); }));
  const url = await new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`stack did not print its URL in 15 s:\n${log.join("")}`)), 15000);
    child.stdout.on("data", (d) => {
      const s = d.toString();
      log.push(s);
      out += s;
      const m = /URL:\s+(http:\/\/(?:127\.0\.0\.1|localhost):\d+)\//.exec(out);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.stderr.on("data", (d) => log.push(d.toString()));
    exit.then((e) => { clearTimeout(timer); rej(new Error(`stack exited (${JSON.stringify(e)}) before serving:\n${log.join("")}`)); });
  });
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/auth/config`);
      if (res.ok) break;
    } catch { /* not yet */ }
    if (exited || Date.now() > deadline) throw new Error(`stack at ${url} did not serve GET /api/auth/config:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  let offsetMs = 0;
  return {
    url,
    dataDir,
    log,
    /** offsetMs is how far the stack's clock is ahead of this machine's (advanceClock). */
    get offsetMs() { return offsetMs; },
    /** now is the stack's time in ms (for TOTP codes once the clock was moved). */
    now: () => Date.now() + offsetMs,
    /**
     * advanceClock moves the stack's clock forward by seconds (POST /_dev/clock):
     * e.g. past the ten-minute step-up window, without waiting.
     */
    async advanceClock(seconds) {
      const res = await fetch(`${url}/_dev/clock`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advanceSeconds: seconds }),
      });
      if (!res.ok) throw new Error(`POST /_dev/clock answered ${res.status}: ${await res.text()}`);
      offsetMs = (await res.json()).offsetSeconds * 1000;
    },
    /** stop sends SIGINT, waits up to 5 s for a clean shutdown, then kills; removes the data dir. */
    async stop() {
      if (!exited) {
        child.kill("SIGINT");
        const timer = setTimeout(() => { if (!exited) child.kill("SIGKILL"); }, 5000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
