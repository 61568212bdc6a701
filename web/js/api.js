// The API client. Paths are relative ("api/auth/login"), so the app works
// at "/" and under the admin alias "/<alias>/" alike. Every call resolves to
// {ok, status, body, code, retryAfter}; it never throws for HTTP errors.
//
// Step-up: a sensitive admin call answers 403 step_up_required when the
// session's authentication is older than the server's window. api() then
// asks the handler registered with onStepUp() (main.js registers the
// "Confirm it's you" dialog; this module imports no screen) and, once the
// person proved it, retries the call once and returns that answer — the
// screen that called never knows. If they cancel, the screen gets the
// original 403 and shows its usual error.
import { t } from "./i18n.js";

/** @type {null | ((res: object) => Promise<boolean>)} */
let stepUpHandler = null;
/** the step-up under way, shared by every call that needs it meanwhile */
let pendingStepUp = null;
/** counts successful step-ups, so a call sent before the latest one just retries */
let stepUps = 0;

/**
 * onStepUp registers fn(res) → Promise<boolean>: asked when a call answers
 * step_up_required (res is that answer); true once the person re-authenticated
 * (POST api/auth/reauth succeeded), false when they gave up. Concurrent calls
 * share one question. Returns a function that unregisters fn.
 */
export function onStepUp(fn) {
  stepUpHandler = fn;
  return () => { if (stepUpHandler === fn) stepUpHandler = null; };
}

/** api calls the Gatepass API. body (an object) is sent as JSON; POSTs without one send {}. */
export async function api(method, path, body) {
  const generation = stepUps;
  const res = await send(method, path, body);
  if (res.code !== "step_up_required" || !stepUpHandler) return res;
  // A step-up completed while this call was on its way: its answer is stale.
  if (generation !== stepUps) return send(method, path, body);
  if (!(await stepUp(res))) return res;
  return send(method, path, body); // once: a second step_up_required goes to the caller
}

/** stepUp asks the registered handler once for every call waiting on it. */
function stepUp(res) {
  if (!pendingStepUp) {
    pendingStepUp = Promise.resolve(res)
      .then(stepUpHandler)
      .then((proved) => proved === true, (err) => { console.error(err); return false; })
      .then((proved) => {
        pendingStepUp = null;
        if (proved) stepUps += 1;
        return proved;
      });
  }
  return pendingStepUp;
}

async function send(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, body: null, code: "network" };
  }
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return {
    ok: res.ok,
    status: res.status,
    body: parsed,
    code: res.ok ? "" : (parsed && parsed.code) || "unknown",
    retryAfter: Number(res.headers.get("Retry-After")) || 0,
  };
}

/** message turns a failed call into a sentence for people (never the server's detail). */
export function message(res) {
  const code = res.code || "unknown";
  if (code === "too_many_requests") return t("error.too_many_requests", { seconds: res.retryAfter || 60 });
  const key = `error.${code}`;
  const text = t(key);
  return text === key ? t("error.unknown") : text;
}

/**
 * violations maps a problem's violations to {field: sentence}; field names
 * are the API's ("password", "newPassword", "passwordPolicy.minLength").
 */
export function violations(res) {
  const out = {};
  for (const v of (res.body && res.body.violations) || []) {
    const key = `violation.${v.code}`;
    const text = t(key);
    const sentence = text === key ? v.message : text;
    out[v.field] = out[v.field] ? `${out[v.field]}; ${sentence}` : sentence;
  }
  return out;
}
