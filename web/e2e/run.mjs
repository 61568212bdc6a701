#!/usr/bin/env node
// The browser-test runner (`make e2e`): checks for Debian's Chromium and for
// playwright-core, builds the local stack once, then runs tests/*.test.mjs
// with node:test. Every test starts its own fresh stack (see lib/stack.mjs).
//
//   node web/e2e/run.mjs                       # every test
//   node web/e2e/run.mjs tests/login.test.mjs  # some files
//   E2E_GREP='lockout' node web/e2e/run.mjs    # tests whose name matches
//   E2E_SCREENSHOTS=1 node web/e2e/run.mjs     # plus out/screens/*.png of every screen
//   E2E_TRACE=1 node web/e2e/run.mjs           # log every request and navigation with its time
//   E2E_CONCURRENCY=1, E2E_OUT_DIR=/tmp/x, E2E_WEB_DIR=/other/web, E2E_CHROMIUM=/path/to/chromium
//
// No browser is ever downloaded: playwright-core drives /usr/bin/chromium
// (E2E_CHROMIUM overrides the path).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const chromium = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const ci = process.env.CI === "true";
const started = Date.now();

if (!existsSync(chromium)) {
  console.error(`e2e: no Chromium at ${chromium}.`);
  console.error(ci
    ? "e2e: CI=true: a missing browser fails the run (.ci/run installs it with apt-get)."
    : "e2e: install Debian's build (no browser is downloaded by the tests):\n\n    sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\n");
  process.exit(1);
}
if (!existsSync(join(here, "node_modules", "playwright-core"))) {
  console.error("e2e: playwright-core is missing: npm ci --prefix web/e2e (or `make e2e`, which does it)");
  process.exit(1);
}

// Each test clears its own out/<test-name>/ when it starts (a pass leaves none);
// a screenshot run starts out/screens/ afresh.
const outDir = process.env.E2E_OUT_DIR ? resolve(process.env.E2E_OUT_DIR) : join(here, "out");
if (process.env.E2E_SCREENSHOTS === "1") await rm(join(outDir, "screens"), { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

const work = await mkdtemp(join(tmpdir(), "gatepass-e2e-bin-"));
const bin = join(work, "gatepass");
const go = process.env.GO || "go";
console.log(`e2e: building the local stack (${go} build ./infra/local)`);
const build = spawnSync(go, ["build", "-o", bin, "./infra/local"], { cwd: repo, stdio: "inherit" });
if (build.status !== 0) {
  await rm(work, { recursive: true, force: true });
  console.error("e2e: go build failed");
  process.exit(1);
}

const args = process.argv.slice(2);
const files = args.length
  ? args.map((a) => resolve(process.cwd(), a))
  : readdirSync(join(here, "tests")).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, "tests", f));
const concurrency = process.env.E2E_CONCURRENCY || "2";
const nodeArgs = ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec"];
if (process.env.E2E_GREP) nodeArgs.push(`--test-name-pattern=${process.env.E2E_GREP}`);
console.log(`e2e: ${files.length} test files, ${concurrency} at a time, Chromium ${chromium}${process.env.E2E_SCREENSHOTS === "1" ? ", screenshots to web/e2e/out/screens/" : ""}`);

const child = spawn(process.execPath, [...nodeArgs, ...files], {
  cwd: here,
  stdio: "inherit",
  env: { ...process.env, E2E_GATEPASS_BIN: bin, E2E_OUT_DIR: outDir, E2E_CHROMIUM: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" },
});
const forward = (sig) => child.kill(sig);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
const code = await new Promise((res) => child.on("exit", (c, s) => res(c ?? (s ? 1 : 0))));
await rm(work, { recursive: true, force: true });
console.log(`e2e: ${code === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s${code === 0 ? "" : "; artefacts of failed tests in web/e2e/out/<test-name>/"}`);
process.exit(code);
