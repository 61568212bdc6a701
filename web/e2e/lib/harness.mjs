// The browser-test harness on node:test. e2e(name, fn) runs fn against a
// fresh local stack and a fresh browser context (no cookies, no storage):
//
//   e2e("login and logout", async ({ page, stack, admin, open, mail, snap }) => { ... });
//
// On failure it writes a screenshot, the page's HTML, the console log and
// the stack's log to web/e2e/out/<test-name>/. With E2E_SCREENSHOTS=1,
// snap(name) saves the current screen at 1280×900 and 390×844 into
// web/e2e/out/screens/ (other runs: snap does nothing).
import { after, test } from "node:test";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { ADMIN, startStack } from "./stack.mjs";
import { ApiClient, readMail } from "./api.mjs";

export { ADMIN } from "./stack.mjs";
export { ApiClient } from "./api.mjs";

export const outDir = process.env.E2E_OUT_DIR || resolve(fileURLToPath(new URL("../out", import.meta.url)));
export const CHROMIUM = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const screenshots = process.env.E2E_SCREENSHOTS === "1";

let browserPromise = null;
/** browser launches Debian's Chromium once per test file (each context is a fresh profile). */
function browser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y --no-install-recommends chromium`);
  browserPromise ??= chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic"],
  });
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

/** slug turns a test name into a folder name. */
export function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9äöüß]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
}

/**
 * e2e registers one browser test. options: {timeout} (ms, default 90 s),
 * {allowNotFound} (a 404 for a page of the app's origin is expected).
 */
export function e2e(name, fn, { timeout = 90000, allowNotFound = false } = {}) {
  test(name, { timeout }, async () => {
    await rm(join(outDir, slug(name)), { recursive: true, force: true });
    const stack = await startStack();
    const context = await (await browser()).newContext({ viewport: DESKTOP, locale: "en-US", timezoneId: "Europe/Berlin" });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    const consoleLog = [];
    const problems = [];
    // A script error or a CSP violation fails the test at once, with the error.
    let failNow;
    const failed = new Promise((_, reject) => { failNow = reject; });
    failed.catch(() => {});
    const problem = (line) => {
      problems.push(line);
      failNow(new Error(`the page reported: ${line}`));
    };
    page.on("console", (m) => {
      const line = `[${m.type()}] ${m.text()}`;
      consoleLog.push(line);
      if (/Content Security Policy|Refused to (apply|execute|load)/i.test(m.text())) problem(line);
    });
    page.on("response", (r) => {
      // A missing module, stylesheet or image of the app itself (API answers are the tests' business).
      const u = new URL(r.url());
      if (!allowNotFound && r.status() === 404 && u.origin === stack.url && !/\/api\//.test(u.pathname)) {
        const line = `[404] ${u.pathname}`;
        consoleLog.push(line);
        problem(line);
      }
    });
    if (process.env.E2E_TRACE === "1") {
      const t0 = Date.now();
      page.on("requestfinished", (r) => {
        const u = new URL(r.url());
        const took = r.timing().responseEnd;
        console.log(`  [trace +${Date.now() - t0} ms] ${r.method()} ${u.pathname}${u.search} ${Math.round(took)} ms`);
      });
      page.on("framenavigated", (f) => { if (f === page.mainFrame()) console.log(`  [trace +${Date.now() - t0} ms] at ${f.url()}`); });
    }
    page.on("pageerror", (e) => {
      const line = `[pageerror] ${e.stack || e}`;
      consoleLog.push(line);
      problem(line);
    });
    let adminClient = null;
    const ctx = {
      page,
      context,
      stack,
      /** admin is an API client signed in as the bootstrap super_admin (setup only). */
      async admin() {
        if (!adminClient) {
          adminClient = new ApiClient(stack.url);
          await adminClient.login(ADMIN.username, ADMIN.password);
        }
        return adminClient;
      },
      /** open loads the app at a hash path ("/login") from the stack's origin (or a prefix: "/alias/"). */
      async open(hashPath = "/", prefix = "/") {
        await page.goto(`${stack.url}${prefix}#${hashPath}`);
      },
      /** mail reads the newest mail to an address from the outbox (with .link). */
      mail: (to, opts) => readMail(stack.url, to, opts),
      /** snap saves this screen for review (E2E_SCREENSHOTS=1 only). */
      snap: (screen) => snap(page, screen),
    };
    try {
      const run = fn(ctx);
      run.catch(() => {});
      await Promise.race([run, failed]);
      if (problems.length) throw new Error(`the page reported errors:\n${problems.join("\n")}`);
    } catch (err) {
      await capture(name, page, consoleLog, stack).catch((e) => console.error("capture failed:", e));
      throw err;
    } finally {
      await context.close().catch(() => {});
      await stack.stop();
    }
  });
}

/** capture writes what a failed test left on the screen into out/<test-name>/. */
async function capture(name, page, consoleLog, stack) {
  const dir = join(outDir, slug(name));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "console.log"), consoleLog.join("\n") + "\n");
  await writeFile(join(dir, "stack.log"), stack.log.join(""));
  await writeFile(join(dir, "url.txt"), page.url() + "\n").catch(() => {});
  await page.screenshot({ path: join(dir, "screenshot.png"), fullPage: true, timeout: 5000 }).catch(() => {});
  await writeFile(join(dir, "page.html"), await page.content()).catch(() => {});
  console.error(`  failure artefacts: ${dir}`);
}

const snapped = new Set();
/**
 * snap saves the current screen as out/screens/<screen>-<lang>-<width>.png at
 * desktop and phone sizes (E2E_SCREENSHOTS=1 only; once per name and language).
 */
export async function snap(page, screen) {
  if (!screenshots) return;
  const lang = await page.evaluate(() => document.documentElement.lang || "en");
  const key = `${screen}-${lang}`;
  if (snapped.has(key)) return;
  snapped.add(key);
  const dir = join(outDir, "screens");
  await mkdir(dir, { recursive: true });
  const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // From the top, so a sticky header sits where it belongs in the full-page picture.
  const scrolled = await page.evaluate(() => { const y = window.scrollY; window.scrollTo(0, 0); return y; });
  await settle();
  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    await settle();
    await page.screenshot({ path: join(dir, `${key}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
  await page.evaluate((y) => window.scrollTo(0, y), scrolled);
  await settle();
}

/** waitUntil polls check() until it returns a truthy value (returned), or fails with what() after timeout ms. */
export async function waitUntil(check, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what(last) : what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** expectVisible waits until a locator shows (exactly one element). */
export async function expectVisible(locator, timeout = 15000) {
  await locator.waitFor({ state: "visible", timeout });
}

/** expectHidden waits until a locator is hidden or gone. */
export async function expectHidden(locator, timeout = 15000) {
  await locator.waitFor({ state: "hidden", timeout });
}

/** expectText waits until a locator's text matches (a RegExp or a substring). */
export async function expectText(locator, expected, timeout = 15000) {
  const ok = (text) => (expected instanceof RegExp ? expected.test(text) : text.includes(expected));
  let last = "";
  await waitUntil(async () => {
    last = (await locator.innerText({ timeout: 1000 })).trim();
    return ok(last);
  }, () => `${locator} to have text ${expected} (last: ${JSON.stringify(last)})`, timeout);
}

/** expectHash waits until the page's hash route matches (e.g. /^#\/home/). */
export async function expectHash(page, expected, timeout = 15000) {
  await waitUntil(async () => expected.test(new URL(page.url()).hash),
    () => `the URL ${page.url()} to match ${expected}`, timeout);
}

/** expectCount waits until a locator matches n elements. */
export async function expectCount(locator, n, timeout = 15000) {
  let last = -1;
  await waitUntil(async () => (last = await locator.count()) === n, () => `${locator} to count ${n} (last: ${last})`, timeout);
}
