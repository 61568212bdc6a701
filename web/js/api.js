// The API client. Paths are relative ("api/auth/login"), so the app works
// at "/" and under the admin alias "/<alias>/" alike. Every call resolves to
// {ok, status, body, code, retryAfter}; it never throws for HTTP errors.
import { t } from "./i18n.js";

/** api calls the Gatepass API. body (an object) is sent as JSON; POSTs without one send {}. */
export async function api(method, path, body) {
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
