// #/admin/audit: the audit trail, newest first, filtered by type and user.
import { api } from "../../api.js";
import { h, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { adminNav, failure, pageHeader, setHashQuery, when } from "./common.js";

export const EVENT_TYPES = [
  "login.succeeded", "login.failed", "login.locked", "mfa.challenge.failed", "password.reset.requested",
  "password.reset.completed", "password.changed", "password.set_by_admin", "invitation.sent", "invitation.accepted",
  "mfa.totp.enabled", "mfa.totp.disabled", "mfa.reset_by_admin", "mfa.recovery_code.used", "session.revoked",
  "user.created", "user.updated", "user.deactivated", "user.activated", "user.unlocked", "user.deleted",
  "view.selected", "sso.login.succeeded", "sso.login.failed", "parameters.changed",
  "facility.created", "facility.updated", "facility.deleted",
  "mfa.passkey.added", "mfa.passkey.removed", "mfa.device.remembered", "mfa.device.forgotten",
  "mfa.recovery_codes.regenerated", "session.reauthenticated", "password.help.requested", "password.help.resolved",
  "sso.provider.created", "sso.provider.updated", "sso.provider.deleted",
];

const EN = {
  "login.succeeded": "Signed in", "login.failed": "Sign-in failed", "login.locked": "Sign-in locked",
  "mfa.challenge.failed": "Two-factor code wrong", "password.reset.requested": "Password reset requested",
  "password.reset.completed": "Password reset completed", "password.changed": "Password changed",
  "password.set_by_admin": "Password set by an administrator", "invitation.sent": "Invitation sent",
  "invitation.accepted": "Invitation accepted", "mfa.totp.enabled": "Two-factor turned on",
  "mfa.totp.disabled": "Two-factor turned off", "mfa.reset_by_admin": "Two-factor reset by an administrator",
  "mfa.recovery_code.used": "Recovery code used", "session.revoked": "Sessions ended", "user.created": "User created",
  "user.updated": "User changed", "user.deactivated": "User deactivated", "user.activated": "User activated",
  "user.unlocked": "User unlocked", "user.deleted": "User deleted", "view.selected": "View chosen",
  "sso.login.succeeded": "Signed in with SSO", "sso.login.failed": "SSO sign-in failed",
  "parameters.changed": "Parameters changed", "facility.created": "Facility created",
  "facility.updated": "Facility changed", "facility.deleted": "Facility deleted",
  "mfa.passkey.added": "Passkey added", "mfa.passkey.removed": "Passkey removed",
  "mfa.device.remembered": "Browser remembered", "mfa.device.forgotten": "Remembered browser forgotten",
  "mfa.recovery_codes.regenerated": "New recovery codes", "session.reauthenticated": "Identity confirmed",
  "password.help.requested": "Asked for help signing in", "password.help.resolved": "Help request closed",
  "sso.provider.created": "Identity provider added", "sso.provider.updated": "Identity provider changed",
  "sso.provider.deleted": "Identity provider removed",
};
const DE = {
  "login.succeeded": "Angemeldet", "login.failed": "Anmeldung fehlgeschlagen", "login.locked": "Anmeldung gesperrt",
  "mfa.challenge.failed": "Falscher Zwei-Faktor-Code", "password.reset.requested": "Zurücksetzen des Passworts angefordert",
  "password.reset.completed": "Passwort zurückgesetzt", "password.changed": "Passwort geändert",
  "password.set_by_admin": "Passwort von einem Admin gesetzt", "invitation.sent": "Einladung gesendet",
  "invitation.accepted": "Einladung angenommen", "mfa.totp.enabled": "Zwei-Faktor eingeschaltet",
  "mfa.totp.disabled": "Zwei-Faktor ausgeschaltet", "mfa.reset_by_admin": "Zwei-Faktor von einem Admin zurückgesetzt",
  "mfa.recovery_code.used": "Wiederherstellungscode verwendet", "session.revoked": "Sitzungen beendet",
  "user.created": "Benutzer angelegt", "user.updated": "Benutzer geändert", "user.deactivated": "Benutzer deaktiviert",
  "user.activated": "Benutzer aktiviert", "user.unlocked": "Benutzer entsperrt", "user.deleted": "Benutzer gelöscht",
  "view.selected": "Ansicht gewählt", "sso.login.succeeded": "Mit SSO angemeldet", "sso.login.failed": "SSO-Anmeldung fehlgeschlagen",
  "parameters.changed": "Parameter geändert", "facility.created": "Standort angelegt", "facility.updated": "Standort geändert",
  "facility.deleted": "Standort gelöscht",
  "mfa.passkey.added": "Passkey hinzugefügt", "mfa.passkey.removed": "Passkey entfernt",
  "mfa.device.remembered": "Browser gemerkt", "mfa.device.forgotten": "Gemerkter Browser vergessen",
  "mfa.recovery_codes.regenerated": "Neue Wiederherstellungscodes", "session.reauthenticated": "Identität bestätigt",
  "password.help.requested": "Um Hilfe bei der Anmeldung gebeten", "password.help.resolved": "Hilfeanfrage erledigt",
  "sso.provider.created": "Identitätsanbieter hinzugefügt", "sso.provider.updated": "Identitätsanbieter geändert",
  "sso.provider.deleted": "Identitätsanbieter entfernt",
};
const prefixed = (map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [`admin.event.${k}`, v]));

register({
  en: {
    ...prefixed(EN),
    "admin.audit.title": "Audit log",
    "admin.audit.intro": "Sign-ins, account changes and administration, newest first.",
    "admin.audit.type": "Event",
    "admin.audit.type.all": "All events",
    "admin.audit.user": "User ID",
    "admin.audit.userHint": "For example u_…; the user page links here.",
    "admin.audit.apply": "Apply",
    "admin.audit.clear": "Clear filters",
    "admin.audit.filters": "Filter events",
    "admin.audit.col.at": "Time",
    "admin.audit.col.type": "Event",
    "admin.audit.col.user": "User",
    "admin.audit.col.actor": "By",
    "admin.audit.col.ip": "IP address",
    "admin.audit.col.ua": "Browser",
    "admin.audit.col.detail": "Details",
    "admin.audit.caption": "Audit events",
    "admin.audit.empty": "No events match these filters.",
    "admin.audit.count": "{count} shown",
    "admin.audit.countMore": "{count} shown, more available",
    "admin.audit.filterUser": "Only events of {user}",
    "admin.audit.self": "themselves",
  },
  de: {
    ...prefixed(DE),
    "admin.audit.title": "Protokoll",
    "admin.audit.intro": "Anmeldungen, Kontoänderungen und Verwaltung, die neuesten zuerst.",
    "admin.audit.type": "Ereignis",
    "admin.audit.type.all": "Alle Ereignisse",
    "admin.audit.user": "Benutzer-ID",
    "admin.audit.userHint": "Zum Beispiel u_…; die Benutzerseite verlinkt hierher.",
    "admin.audit.apply": "Anwenden",
    "admin.audit.clear": "Filter zurücksetzen",
    "admin.audit.filters": "Ereignisse filtern",
    "admin.audit.col.at": "Zeit",
    "admin.audit.col.type": "Ereignis",
    "admin.audit.col.user": "Benutzer",
    "admin.audit.col.actor": "Durch",
    "admin.audit.col.ip": "IP-Adresse",
    "admin.audit.col.ua": "Browser",
    "admin.audit.col.detail": "Details",
    "admin.audit.caption": "Protokolleinträge",
    "admin.audit.empty": "Keine Einträge passen zu diesen Filtern.",
    "admin.audit.count": "{count} angezeigt",
    "admin.audit.countMore": "{count} angezeigt, weitere vorhanden",
    "admin.audit.filterUser": "Nur Einträge von {user}",
    "admin.audit.self": "selbst",
  },
});

const PAGE = 50;

/** eventLabel names an event type for people (the code when unknown). */
export function eventLabel(type) {
  const key = `admin.event.${type}`;
  const text = t(key);
  return text === key ? type : text;
}

function shortUA(ua) {
  return ua.length > 48 ? `${ua.slice(0, 46)}…` : ua;
}

/** auditScreen renders the audit log. */
export async function auditScreen(ctx) {
  const filters = { type: ctx.query.get("type") || "", userId: ctx.query.get("userId") || "" };

  // Names for user ids: one page of users is enough for most tenants; unknown ids stay ids.
  const names = new Map();
  const users = await api("GET", "api/admin/users?limit=200");
  if (users.ok) for (const u of users.body.items) names.set(u.id, u);

  const typeId = uid("type");
  const type = h("select", { id: typeId, name: "type" },
    h("option", { value: "" }, t("admin.audit.type.all")),
    EVENT_TYPES.map((x) => h("option", { value: x, selected: x === filters.type }, `${eventLabel(x)} (${x})`)));
  type.value = EVENT_TYPES.includes(filters.type) ? filters.type : "";
  const userId = uid("user");
  const user = h("input", { id: userId, name: "userId", type: "text", value: filters.userId, autocomplete: "off",
    spellcheck: "false", autocapitalize: "none", "aria-describedby": `${userId}-hint`, maxlength: "128" });
  const clear = h("button", { type: "button", class: "link-button", hidden: true }, t("admin.audit.clear"));
  const filterBar = h("form", { class: "filters", role: "search", "aria-label": t("admin.audit.filters") },
    h("div", { class: "field" }, h("label", { for: typeId }, t("admin.audit.type")), type),
    h("div", { class: "field" }, h("label", { for: userId }, t("admin.audit.user")), user,
      h("p", { class: "hint", id: `${userId}-hint` }, t("admin.audit.userHint"))),
    h("div", { class: "field filter-apply" }, h("button", { type: "submit", class: "secondary" }, t("admin.audit.apply")), clear));

  const error = h("div", { class: "error", role: "alert", hidden: true });
  const tbody = h("tbody");
  const tableWrap = h("div", { class: "table-wrap" },
    h("table", { class: "admin-table audit-table" },
      h("caption", { class: "visually-hidden" }, t("admin.audit.caption")),
      h("thead", {}, h("tr", {}, ["at", "type", "user", "actor", "ip", "ua", "detail"].map((c) =>
        h("th", { scope: "col" }, t(`admin.audit.col.${c}`))))),
      tbody));
  const empty = h("p", { class: "empty-state", hidden: true }, t("admin.audit.empty"));
  const count = h("p", { class: "muted list-count", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("admin.loadMore"));
  let cursor = null;
  let ticket = 0;

  // A known user links to the user page; an unknown (e.g. deleted) one filters the log by its id.
  const person = (id) => {
    if (!id) return h("span", { class: "muted" }, "—");
    const u = names.get(id);
    if (u) return h("a", { href: `#/admin/users/${encodeURIComponent(id)}`, title: id }, u.username);
    return h("button", { type: "button", class: "link-button id-link", title: t("admin.audit.filterUser", { user: id }),
      onclick: () => { user.value = id; apply(); } }, id);
  };

  function detail(d) {
    const keys = Object.keys(d || {}).sort();
    if (!keys.length) return h("span", { class: "muted" }, "—");
    return h("dl", { class: "kv" }, keys.map((k) => h("div", {}, h("dt", {}, k), h("dd", {}, d[k]))));
  }

  function row(e) {
    const actor = e.actorId && e.actorId === e.userId
      ? h("span", { class: "muted" }, t("admin.audit.self"))
      : person(e.actorId);
    const cls = /failed|locked|deleted|deactivated|reset_by_admin/.test(e.type) ? "warn" : "";
    return h("tr", {},
      h("td", { class: "nowrap" }, h("time", { datetime: e.at }, when(e.at))),
      h("td", {}, h("span", { class: `event ${cls}` }, eventLabel(e.type)), h("code", { class: "event-code" }, e.type)),
      h("td", {}, person(e.userId)),
      h("td", {}, actor),
      h("td", { class: "nowrap" }, e.ip ? h("code", {}, e.ip) : h("span", { class: "muted" }, "—")),
      h("td", { class: "ua" }, e.userAgent ? h("span", { title: e.userAgent }, shortUA(e.userAgent)) : h("span", { class: "muted" }, "—")),
      h("td", {}, detail(e.detail)));
  }

  async function fetchPage(append) {
    const mine = ++ticket;
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (filters.type) q.set("type", filters.type);
    if (filters.userId) q.set("userId", filters.userId);
    if (append && cursor) q.set("cursor", cursor);
    more.disabled = true;
    tableWrap.setAttribute("aria-busy", "true");
    const res = await api("GET", `api/admin/audit?${q}`);
    if (mine !== ticket) return;
    tableWrap.removeAttribute("aria-busy");
    more.disabled = false;
    if (!res.ok) {
      error.textContent = failure(res);
      error.hidden = false;
      return;
    }
    error.hidden = true;
    if (!append) tbody.replaceChildren();
    for (const e of res.body.items) tbody.append(row(e));
    cursor = res.body.nextCursor || null;
    more.hidden = !cursor;
    const n = tbody.children.length;
    empty.hidden = n > 0;
    tableWrap.hidden = n === 0;
    count.textContent = n ? t(cursor ? "admin.audit.countMore" : "admin.audit.count", { count: n }) : "";
    clear.hidden = !(filters.type || filters.userId);
  }

  function apply() {
    filters.type = type.value;
    filters.userId = user.value.trim();
    setHashQuery("/admin/audit", filters);
    cursor = null;
    fetchPage(false);
  }
  filterBar.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
  type.addEventListener("change", apply);
  more.addEventListener("click", () => fetchPage(true));
  clear.addEventListener("click", () => { type.value = ""; user.value = ""; apply(); type.focus(); });

  await fetchPage(false);

  return h("div", { class: "admin" },
    adminNav("audit"),
    pageHeader(t("admin.audit.title")),
    h("p", { class: "muted lead" }, t("admin.audit.intro")),
    filterBar, error, count, tableWrap, empty,
    h("div", { class: "actions center" }, more));
}
