// The web app's strings, checked without a browser: every module of web/js
// is imported in Node (they touch the DOM only when a screen is drawn), so
// every register() call runs — a key registered twice throws right there.
// Then: every locale has the same keys, and every key a module asks for
// with a literal t("…") exists.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const webDir = process.env.E2E_WEB_DIR || resolve(fileURLToPath(new URL("../../", import.meta.url)));
const jsDir = join(webDir, "js");

/** modules lists web/js/**.js but main.js (which starts the app on import). */
function modules(dir = jsDir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return modules(p);
    return e.name.endsWith(".js") && p !== join(jsDir, "main.js") ? [p] : [];
  }).sort();
}

async function loadAll() {
  for (const m of modules()) await import(pathToFileURL(m).href);
  return import(pathToFileURL(join(jsDir, "i18n.js")).href);
}

test("i18n: every module's strings register (no key twice), and every locale has the same keys", async () => {
  const i18n = await loadAll();
  const [first, ...others] = i18n.locales;
  const base = new Set(i18n.registeredKeys(first));
  assert.ok(base.size > 500, `only ${base.size} keys registered: were the modules imported?`);
  for (const loc of others) {
    const keys = new Set(i18n.registeredKeys(loc));
    const missing = [...base].filter((k) => !keys.has(k));
    const extra = [...keys].filter((k) => !base.has(k));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `locale ${loc} against ${first}`);
  }
});

test("i18n: register refuses a key registered before, naming it, and adds nothing of that call", async () => {
  const i18n = await loadAll();
  const fresh = `test.fresh.${Date.now()}`;
  assert.throws(() => i18n.register({ en: { [fresh]: "new", "common.save": "Save again" }, de: { [fresh]: "neu" } }),
    /"common\.save"/);
  assert.equal(i18n.t(fresh), fresh, "nothing of the refused call was added");
  assert.throws(() => i18n.register({ de: { "login.title": "Noch einmal" } }), /"login\.title" \(de\)/);
});

test("i18n: every literal t(\"key\") of the web app names a registered key", async () => {
  const i18n = await loadAll();
  const known = new Set(i18n.registeredKeys("en"));
  const unknown = [];
  for (const m of modules().concat(join(jsDir, "main.js"))) {
    const src = readFileSync(m, "utf8");
    for (const [, key] of src.matchAll(/\bt\(\s*"([A-Za-z0-9_.-]+)"/g)) {
      if (!known.has(key)) unknown.push(`${relative(webDir, m)}: ${key}`);
    }
  }
  assert.deepEqual(unknown, []);
});
