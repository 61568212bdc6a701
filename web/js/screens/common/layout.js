// Layout pieces of the signed-out screens (the centred card with the brand
// mark and the language switch) and small shared helpers of every screen:
// where a signed-in person lands, the message boxes and the one-shot notice,
// role names and badges, and user agent summaries.
import { api } from "../../api.js";
import { h } from "../../dom.js";
import { locale, locales, register, setLocale, t } from "../../i18n.js";
import { restriction, state } from "../../state.js";

register({
  en: {
    "layout.language": "Language",
    "layout.lang.en": "English",
    "layout.lang.de": "Deutsch",
    "layout.signout": "Sign out",
    "layout.secure": "Secure sign-in",
    "role.super_admin": "Super admin",
    "role.admin": "Admin",
    "role.supervisor": "Supervisor",
    "role.operator": "Operator",
  },
  de: {
    "layout.language": "Sprache",
    "layout.lang.en": "English",
    "layout.lang.de": "Deutsch",
    "layout.signout": "Abmelden",
    "layout.secure": "Sichere Anmeldung",
    "role.super_admin": "Super-Admin",
    "role.admin": "Admin",
    "role.supervisor": "Supervisor",
    "role.operator": "Operator",
  },
});

/** landingPath is where a signed-in person belongs (mirrors main.js landing()). */
export function landingPath() {
  switch (restriction()) {
    case "password_change": return "/change-password";
    case "mfa_enrolment": return "/mfa-enrolment";
    default: return state.session && state.session.view ? "/home" : "/views";
  }
}

/**
 * noticeBox is a message box: kind is notice | success | warning | error (an
 * error is an alert, the others a status). Without text it is null, so a
 * screen can place it unconditionally. It can take focus (tabindex -1), so a
 * screen can move focus to the result of an action.
 */
export function noticeBox(kind, text) {
  if (!text) return null;
  return h("div", { class: kind, role: kind === "error" ? "alert" : "status", tabindex: "-1" }, text);
}

/** takeNotice is the one-shot notice (state.notice) as a box of kind (default success), then forgets it; null when none. */
export function takeNotice(kind = "success") {
  const n = state.notice;
  state.notice = "";
  return noticeBox(kind, n);
}

/** tenantName is the organisation shown in the brand mark. */
export function tenantName() {
  return (state.config && state.config.tenant) || t("app.name");
}

/** brandMark is the logo + tenant + product line at the top of a card. */
export function brandMark() {
  const tenant = state.config && state.config.tenant;
  return h("div", { class: "brand-mark" },
    h("img", { src: "img/icon.svg", alt: "", width: 32, height: 32 }),
    h("span", { class: "brand-text" },
      h("span", { class: "brand-tenant" }, tenant || t("app.name")),
      tenant ? h("span", { class: "brand-product" }, t("app.name")) : null));
}

/** langSwitch lets people switch EN/DE; onChange re-renders the screen. */
export function langSwitch(onChange) {
  return h("nav", { class: "lang-switch", "aria-label": t("layout.language") },
    locales.map((l, i) => [
      i > 0 ? h("span", { class: "lang-sep", "aria-hidden": "true" }, "·") : null,
      h("button", {
        type: "button", lang: l, "aria-pressed": String(l === locale()), class: l === locale() ? "current" : null,
        onclick: () => { if (l !== locale()) { setLocale(l); onChange(); } },
      }, t(`layout.lang.${l}`)),
    ]));
}

/**
 * authCard is a signed-out screen: the card with brand mark, h1, an optional
 * intro, the body, an optional footer and the language switch under the card.
 * {title, intro, body, footer, wide, ctx, icon: "ok" | "warn" | "mail" (a status icon above the title)}
 */
export function authCard({ title, intro, body, footer, wide = false, ctx, testid, icon }) {
  return h("div", { class: "auth-wrap", "data-testid": testid },
    h("section", { class: wide ? "card card-wide" : "card" },
      brandMark(),
      icon ? h("div", { class: `status-icon ${icon}`, "aria-hidden": "true" }) : null,
      h("h1", {}, title),
      intro ? (intro instanceof Node ? intro : h("p", { class: "intro" }, intro)) : null,
      body,
      footer ? h("div", { class: "card-footer" }, footer) : null),
    langSwitch(() => ctx.refresh()));
}

/** signOutButton ends a (restricted) session from a signed-out-style card. */
export function signOutButton(ctx) {
  return h("button", {
    type: "button", class: "link-button", "data-action": "logout",
    onclick: async () => {
      await api("POST", "api/auth/logout", {});
      state.session = null;
      state.challenge = "";
      ctx.go("/login");
    },
  }, t("layout.signout"));
}

/** ROLES are the roles of API.md, most powerful first. */
export const ROLES = ["super_admin", "admin", "supervisor", "operator"];

/** roleName names a role for people (an unknown one by its id). */
export function roleName(role) {
  const key = `role.${role}`;
  const text = t(key);
  return text === key ? role : text;
}

/** roleBadges renders roles as badges, in the canonical order (unknown ones last). */
export function roleBadges(roles = []) {
  const list = roles || [];
  const ordered = [...ROLES.filter((r) => list.includes(r)), ...list.filter((r) => !ROLES.includes(r))];
  return ordered.map((r) => h("span", { class: `badge role role-${r}`, "data-role": r }, roleName(r)));
}

/** describeAgent turns a User-Agent header into "Chrome on Windows". */
export function describeAgent(ua) {
  if (!ua) return "";
  const browser = [
    [/Edg(e|A|iOS)?\//, "Edge"], [/OPR\/|Opera/, "Opera"], [/Firefox\/|FxiOS/, "Firefox"],
    [/SamsungBrowser/, "Samsung Internet"], [/Chrome\/|CriOS|Chromium/, "Chrome"], [/Safari\//, "Safari"],
    [/^curl\//i, "curl"], [/HeadlessChrome/, "Chrome"],
  ].find(([re]) => re.test(ua));
  const os = [
    [/iPhone|iPad|iPod/, "iOS"], [/Android/, "Android"], [/Windows/, "Windows"], [/Mac OS X|Macintosh/, "macOS"],
    [/CrOS/, "ChromeOS"], [/Linux/, "Linux"],
  ].find(([re]) => re.test(ua));
  if (!browser && !os) return ua.length > 60 ? `${ua.slice(0, 57)}…` : ua;
  if (browser && os) return `${browser[1]} · ${os[1]}`;
  return (browser || os)[1];
}
