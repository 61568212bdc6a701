// #/admin/users: search, filter and page through users. Supervisors see the
// users of their own facilities (the server filters) and create nobody.
import { api } from "../../api.js";
import { h, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { roleBadges, takeNotice } from "../common/layout.js";
import {
  adminNav, debounce, facilityNames, failure, isManager, lockedBadge, loadFacilities, pageHeader,
  rowCache, setHashQuery, statusBadge, when,
} from "./common.js";

register({
  en: {
    "admin.users.title": "Users",
    "admin.users.intro": "People who can sign in to the Backoffice, their roles and facilities.",
    "admin.users.introSupervisor": "Operators of your facilities. You can set a temporary password, unlock sign-in and reset two-factor authentication.",
    "admin.users.new": "New user",
    "admin.users.search": "Search",
    "admin.users.searchHint": "Username, name or email",
    "admin.users.status": "Status",
    "admin.users.status.all": "All statuses",
    "admin.users.facility": "Facility",
    "admin.users.facility.all": "All facilities",
    "admin.users.filters": "Filter users",
    "admin.users.col.user": "User",
    "admin.users.col.email": "Email",
    "admin.users.col.roles": "Roles",
    "admin.users.col.facilities": "Facilities",
    "admin.users.col.status": "Status",
    "admin.users.col.mfa": "2FA",
    "admin.users.col.lastLogin": "Last sign-in",
    "admin.users.caption": "Users",
    "admin.users.empty": "No users match these filters.",
    "admin.users.emptyAll": "There are no users yet.",
    "admin.users.count": "{count} shown",
    "admin.users.countMore": "{count} shown, more available",
    "admin.users.mfa.on": "On",
    "admin.users.mfa.off": "Off",
    "admin.users.you": "you",
    "admin.users.clear": "Clear filters",
  },
  de: {
    "admin.users.title": "Benutzer",
    "admin.users.intro": "Personen, die sich im Backoffice anmelden können, mit ihren Rollen und Standorten.",
    "admin.users.introSupervisor": "Die Operatoren Ihrer Standorte. Sie können ein vorläufiges Passwort setzen, die Anmeldung entsperren und die Zwei-Faktor-Authentifizierung zurücksetzen.",
    "admin.users.new": "Neuer Benutzer",
    "admin.users.search": "Suche",
    "admin.users.searchHint": "Benutzername, Name oder E-Mail",
    "admin.users.status": "Status",
    "admin.users.status.all": "Alle Status",
    "admin.users.facility": "Standort",
    "admin.users.facility.all": "Alle Standorte",
    "admin.users.filters": "Benutzer filtern",
    "admin.users.col.user": "Benutzer",
    "admin.users.col.email": "E-Mail",
    "admin.users.col.roles": "Rollen",
    "admin.users.col.facilities": "Standorte",
    "admin.users.col.status": "Status",
    "admin.users.col.mfa": "2FA",
    "admin.users.col.lastLogin": "Letzte Anmeldung",
    "admin.users.caption": "Benutzer",
    "admin.users.empty": "Keine Benutzer passen zu diesen Filtern.",
    "admin.users.emptyAll": "Es gibt noch keine Benutzer.",
    "admin.users.count": "{count} angezeigt",
    "admin.users.countMore": "{count} angezeigt, weitere vorhanden",
    "admin.users.mfa.on": "An",
    "admin.users.mfa.off": "Aus",
    "admin.users.you": "Sie",
    "admin.users.clear": "Filter zurücksetzen",
  },
});

const PAGE = 50;

/** usersScreen renders the user list. */
export async function usersScreen(ctx) {
  const filters = {
    query: ctx.query.get("query") || "",
    status: ctx.query.get("status") || "",
    facilityId: ctx.query.get("facilityId") || "",
  };
  const facilities = await loadFacilities();
  const byId = new Map(facilities.map((f) => [f.id, f]));

  const searchId = uid("q");
  const search = h("input", { id: searchId, type: "search", name: "query", value: filters.query, autocomplete: "off",
    "aria-describedby": `${searchId}-hint`, spellcheck: "false" });
  const statusId = uid("status");
  const status = h("select", { id: statusId, name: "status" },
    ["", "active", "inactive", "invited"].map((s) => h("option", { value: s, selected: s === filters.status },
      s ? t(`admin.status.${s}`) : t("admin.users.status.all"))));
  const facilityId = uid("facility");
  const facility = h("select", { id: facilityId, name: "facilityId" },
    h("option", { value: "" }, t("admin.users.facility.all")),
    facilities.map((f) => h("option", { value: f.id, selected: f.id === filters.facilityId },
      f.status === "inactive" ? t("admin.facility.inactiveSuffix", { name: f.name }) : f.name)));
  status.value = filters.status;
  facility.value = byId.has(filters.facilityId) ? filters.facilityId : "";
  const clear = h("button", { type: "button", class: "link-button", hidden: true }, t("admin.users.clear"));

  const filterBar = h("form", { class: "filters", role: "search", "aria-label": t("admin.users.filters"),
    onsubmit: (e) => { e.preventDefault(); reload(); } },
  h("div", { class: "field grow" }, h("label", { for: searchId }, t("admin.users.search")), search,
    h("p", { class: "hint", id: `${searchId}-hint` }, t("admin.users.searchHint"))),
  h("div", { class: "field" }, h("label", { for: statusId }, t("admin.users.status")), status),
  facilities.length ? h("div", { class: "field" }, h("label", { for: facilityId }, t("admin.users.facility")), facility) : null,
  h("div", { class: "field filter-clear" }, clear));

  const error = h("div", { class: "error", role: "alert", hidden: true });
  const tbody = h("tbody");
  const table = h("table", { class: "admin-table users-table" },
    h("caption", { class: "visually-hidden" }, t("admin.users.caption")),
    h("thead", {}, h("tr", {},
      ["user", "email", "roles", "facilities", "status", "mfa", "lastLogin"].map((c) =>
        h("th", { scope: "col" }, t(`admin.users.col.${c}`))))),
    tbody);
  const tableWrap = h("div", { class: "table-wrap" }, table);
  const empty = h("p", { class: "empty-state", hidden: true });
  const count = h("p", { class: "muted list-count", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("admin.loadMore"));
  let cursor = null;
  let ticket = 0;

  function row(u) {
    rowCache.set(u.id, u);
    const self = ctx.state.session && u.id === ctx.state.session.user.id;
    return h("tr", {},
      h("td", { class: "user-cell" },
        h("a", { href: `#/admin/users/${encodeURIComponent(u.id)}`, class: "user-name" }, u.displayName || u.username),
        self ? h("span", { class: "muted" }, ` (${t("admin.users.you")})`) : null,
        h("span", { class: "username" }, u.username)),
      h("td", { class: "email-cell" }, u.email || "—"),
      h("td", {}, roleBadges(u.roles)),
      h("td", { class: "facilities-cell" }, facilityNames(u, byId)),
      h("td", { class: "nowrap" }, statusBadge(u.status), u.locked ? lockedBadge() : null,
        u.sso ? h("span", { class: "badge" }, t("admin.sso")) : null),
      h("td", { class: "nowrap" }, u.mfa && (u.mfa.totp || u.mfa.passkeys > 0)
        ? h("span", { class: "badge ok" }, t("admin.users.mfa.on"))
        : h("span", { class: "muted" }, t("admin.users.mfa.off"))),
      h("td", { class: "nowrap" }, when(u.lastLoginAt, t("admin.never"))));
  }

  async function fetchPage(append) {
    const mine = ++ticket;
    const q = new URLSearchParams();
    if (filters.query) q.set("query", filters.query);
    if (filters.status) q.set("status", filters.status);
    if (filters.facilityId) q.set("facilityId", filters.facilityId);
    q.set("limit", String(PAGE));
    if (append && cursor) q.set("cursor", cursor);
    more.disabled = true;
    tableWrap.setAttribute("aria-busy", "true");
    const res = await api("GET", `api/admin/users?${q}`);
    if (mine !== ticket) return;
    tableWrap.removeAttribute("aria-busy");
    more.disabled = false;
    if (!res.ok) {
      error.set(failure(res));
      return;
    }
    error.set("");
    if (!append) tbody.replaceChildren();
    for (const u of res.body.items) tbody.append(row(u));
    cursor = res.body.nextCursor || null;
    more.hidden = !cursor;
    const n = tbody.children.length;
    const filtered = Boolean(filters.query || filters.status || filters.facilityId);
    empty.textContent = filtered ? t("admin.users.empty") : t("admin.users.emptyAll");
    empty.hidden = n > 0;
    tableWrap.hidden = n === 0;
    count.textContent = n ? t(cursor ? "admin.users.countMore" : "admin.users.count", { count: n }) : "";
    clear.hidden = !filtered;
  }
  error.set = (text) => { error.textContent = text; error.hidden = !text; };

  function reload() {
    filters.query = search.value.trim();
    filters.status = status.value;
    filters.facilityId = facility.value;
    setHashQuery("/admin/users", filters);
    cursor = null;
    fetchPage(false);
  }
  search.addEventListener("input", debounce(reload, 300));
  status.addEventListener("change", reload);
  facility.addEventListener("change", reload);
  more.addEventListener("click", () => fetchPage(true));
  clear.addEventListener("click", () => {
    search.value = "";
    status.value = "";
    facility.value = "";
    reload();
    search.focus();
  });

  await fetchPage(false);

  return h("div", { class: "admin" },
    adminNav("users"),
    pageHeader(t("admin.users.title"),
      isManager() ? h("a", { class: "button primary", href: "#/admin/users/new" }, t("admin.users.new")) : null),
    h("p", { class: "muted lead" }, isManager() ? t("admin.users.intro") : t("admin.users.introSupervisor")),
    takeNotice(),
    filterBar,
    error,
    count,
    tableWrap,
    empty,
    h("div", { class: "actions center" }, more));
}

/** findRow looks a user up in the list (for supervisors, who can't read one user). */
export async function findRow(id) {
  if (rowCache.has(id)) return { ok: true, user: rowCache.get(id) };
  let cursor = "";
  for (let i = 0; i < 20; i++) {
    const q = new URLSearchParams({ limit: "200" });
    if (cursor) q.set("cursor", cursor);
    const res = await api("GET", `api/admin/users?${q}`);
    if (!res.ok) return { ok: false, res };
    for (const u of res.body.items) rowCache.set(u.id, u);
    if (rowCache.has(id)) return { ok: true, user: rowCache.get(id) };
    if (!res.body.nextCursor) break;
    cursor = res.body.nextCursor;
  }
  return { ok: false, res: { code: "not_found" } };
}

