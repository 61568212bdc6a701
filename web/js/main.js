// The Backoffice web app: ES modules, no build step, no third-party origin,
// no inline script or style (the CSP forbids them). Screens live in
// js/screens/; each registers its routes and its strings on import.
import { api, onStepUp } from "./api.js";
import { focusFirst, h, replace } from "./dom.js";
import { initialLocale, savedLocale, setLocale, t } from "./i18n.js";
import { current, go, match } from "./router.js";
import { shell } from "./shell.js";
import { loadConfig, refreshSession, restriction, state } from "./state.js";
import "./screens/auth.js";
import "./screens/views.js";
import "./screens/home.js";
import "./screens/account.js";
import "./screens/admin/index.js";
import { stepUpDialog } from "./screens/common/stepup.js";

const root = document.getElementById("app");

// A sensitive call answered step_up_required: "Confirm it's you", then api.js
// retries it. Injected here, so that api.js, which every module imports,
// imports no screen.
onStepUp(stepUpDialog);

/** landing is where a signed-in person belongs when nothing else is asked for. */
export function landing() {
  switch (restriction()) {
    case "password_change": return "/change-password";
    case "mfa_enrolment": return "/mfa-enrolment";
    default: return state.session && state.session.view ? "/home" : "/views";
  }
}

let rendering = 0;

async function render() {
  const ticket = ++rendering;
  // The screen being left takes no more clicks: one would be lost when the
  // next screen replaces it.
  root.inert = true;
  root.setAttribute("aria-busy", "true");
  try {
    await draw(ticket);
  } finally {
    if (ticket === rendering) {
      root.inert = false;
      root.removeAttribute("aria-busy");
    }
  }
}

async function draw(ticket) {
  const { path, query } = current();
  const found = match(path);
  if (!found) {
    go(state.session ? landing() : "/login", { replace: true });
    return;
  }
  const { route, params } = found;
  if (route.access !== "public" || !state.session) await refreshSession();
  if (ticket !== rendering) return; // a newer navigation won
  const signedIn = Boolean(state.session);
  const r = restriction();
  switch (route.access) {
    case "public":
      if (signedIn && !route.options.keepSession) return go(landing(), { replace: true });
      break;
    case "session":
      if (!signedIn) return go("/login", { replace: true });
      if (r) return go(landing(), { replace: true });
      if (route.options.roles && !route.options.roles.some((x) => state.session.user.roles.includes(x))) {
        return go(landing(), { replace: true });
      }
      break;
    case "restricted":
      if (!signedIn) return go("/login", { replace: true });
      if (!r) return go(landing(), { replace: true });
      break;
    default:
      break;
  }
  const ctx = { params, query, state, go, refresh: render };
  let content;
  try {
    content = await route.render(ctx);
  } catch (err) {
    console.error(err);
    content = h("p", { class: "error", role: "alert" }, t("error.unknown"));
  }
  if (ticket !== rendering) return;
  const main = h("main", { id: "main", class: route.options.shell ? "page" : "centered", tabindex: "-1" }, content);
  replace(root, route.options.shell ? shell(main, ctx) : main);
  document.title = `${route.options.title ? route.options.title() + " · " : ""}${t("app.name")}`;
  focusFirst(main);
}

/** signOut ends the session and shows the login screen. */
export async function signOut() {
  await api("POST", "api/auth/logout", {});
  state.session = null;
  go("/login");
}

async function start() {
  setLocale(initialLocale(), { remember: false });
  await loadConfig();
  await refreshSession();
  // A choice made on this device wins; else the account's language.
  if (!savedLocale() && state.session && state.session.user.locale) setLocale(state.session.user.locale, { remember: false });
  window.addEventListener("hashchange", render);
  await render();
}

start();
