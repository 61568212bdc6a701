// Shared pieces of the administration screens: the sub-navigation, badges,
// per-field errors, checkbox groups and small formatters. Dialogs, message
// boxes and role badges are the app's own (common/dialog.js, common/layout.js).
// Everything is built with h() — never innerHTML — and styled by classes
// (the CSP forbids inline styles).
import { api, message } from "../../api.js";
import { h, uid } from "../../dom.js";
import { locale, register, t } from "../../i18n.js";
import { hasRole, state } from "../../state.js";
import { controlOf, setFieldError } from "../common/forms.js";

export { setFieldError };

register({
  en: {
    "admin.nav": "Administration",
    "admin.nav.users": "Users",
    "admin.nav.facilities": "Facilities",
    "admin.nav.parameters": "Parameters",
    "admin.nav.audit": "Audit log",
    "admin.nav.help": "Help requests",
    "admin.nav.helpOpen": "({count} open)",
    "admin.nav.sso": "Single sign-on",
    "admin.status.active": "Active",
    "admin.status.inactive": "Inactive",
    "admin.status.invited": "Invited",
    "admin.locked": "Locked",
    "admin.sso": "SSO",
    "admin.mfa.on": "2FA on",
    "admin.mfa.off": "2FA off",
    "admin.locale.en": "English",
    "admin.locale.de": "Deutsch",
    "admin.network": "Whole network",
    "admin.never": "Never",
    "admin.unknownFacility": "Deleted facility ({id})",
    "admin.otherFacility": "1 other facility",
    "admin.otherFacilities": "{count} other facilities",
    "admin.facility.inactiveSuffix": "{name} (inactive)",
    "admin.loadMore": "Load more",
    "admin.fieldError": "{label} {problem}.",
    "admin.violation.in_past": "must lie in the future",
    "admin.violation.unknown": "includes a facility that no longer exists",
    "admin.violation.read_only": "can't be changed",
    "admin.violation.contains_context": "contains the user's name, username or the organisation's name",
    "admin.violation.too_short": "is too short",
    "admin.violation.invalid_type": "has the wrong format",
    "admin.errors.summary": "Please correct the marked fields.",
  },
  de: {
    "admin.nav": "Verwaltung",
    "admin.nav.users": "Benutzer",
    "admin.nav.facilities": "Standorte",
    "admin.nav.parameters": "Parameter",
    "admin.nav.audit": "Protokoll",
    "admin.nav.help": "Hilfeanfragen",
    "admin.nav.helpOpen": "({count} offen)",
    "admin.nav.sso": "Single Sign-on",
    "admin.status.active": "Aktiv",
    "admin.status.inactive": "Deaktiviert",
    "admin.status.invited": "Eingeladen",
    "admin.locked": "Gesperrt",
    "admin.sso": "SSO",
    "admin.mfa.on": "2FA an",
    "admin.mfa.off": "2FA aus",
    "admin.locale.en": "English",
    "admin.locale.de": "Deutsch",
    "admin.network": "Gesamtes Netzwerk",
    "admin.never": "Noch nie",
    "admin.unknownFacility": "Gelöschter Standort ({id})",
    "admin.otherFacility": "1 weiterer Standort",
    "admin.otherFacilities": "{count} weitere Standorte",
    "admin.facility.inactiveSuffix": "{name} (deaktiviert)",
    "admin.loadMore": "Weitere laden",
    "admin.fieldError": "{label} {problem}.",
    "admin.violation.in_past": "muss in der Zukunft liegen",
    "admin.violation.unknown": "enthält einen Standort, den es nicht mehr gibt",
    "admin.violation.read_only": "kann nicht geändert werden",
    "admin.violation.contains_context": "enthält den Namen oder Benutzernamen der Person oder den Namen der Organisation",
    "admin.violation.too_short": "ist zu kurz",
    "admin.violation.invalid_type": "hat das falsche Format",
    "admin.errors.summary": "Bitte korrigieren Sie die markierten Felder.",
  },
});

/** isManager: admin or super_admin (may manage users, facilities, see parameters and audit). */
export function isManager() {
  return hasRole("super_admin", "admin");
}

/** isSuperAdmin: the only role that grants admin roles and edits parameters. */
export function isSuperAdmin() {
  return hasRole("super_admin");
}

/** me is the signed-in user's id. */
export function me() {
  return state.session ? state.session.user.id : "";
}

/**
 * loadHelpRequests reads the open help requests the caller may resolve
 * (GET api/admin/help-requests: accounts without an email whose owner
 * asked for help on the forgotten-password page; a supervisor sees its
 * operators'). Resolves to {ok, items, res}; items is [] when the call failed.
 */
export async function loadHelpRequests() {
  const res = await api("GET", "api/admin/help-requests");
  const items = res.ok && res.body && Array.isArray(res.body.items) ? res.body.items : [];
  return { ok: res.ok, items, res };
}

/**
 * adminNav is the sub-navigation of the administration; active is its key.
 * The help requests tab shows how many are open: counted after the nav is
 * drawn (helpCount, when the screen knows it already, saves the call).
 */
export function adminNav(active, { helpCount } = {}) {
  const tabs = [
    { key: "users", href: "#/admin/users", show: true },
    { key: "help", href: "#/admin/help", show: true },
    { key: "facilities", href: "#/admin/facilities", show: isManager() },
    { key: "parameters", href: "#/admin/parameters", show: isManager() },
    { key: "sso", href: "#/admin/sso", show: isSuperAdmin() },
    { key: "audit", href: "#/admin/audit", show: isManager() },
  ].filter((x) => x.show);
  const count = h("span", { class: "tab-count", hidden: true });
  const setCount = (n) => {
    count.replaceChildren(
      h("span", { class: "count-badge", "aria-hidden": "true" }, String(n)),
      h("span", { class: "visually-hidden" }, t("admin.nav.helpOpen", { count: n })));
    count.hidden = !n;
  };
  const nav = h("nav", { class: "admin-tabs", "aria-label": t("admin.nav") },
    h("ul", {}, tabs.map((tab) => h("li", {},
      h("a", { href: tab.href, "aria-current": tab.key === active ? "page" : false, "data-tab": tab.key },
        t(`admin.nav.${tab.key}`), tab.key === "help" ? count : null)))));
  nav.setHelpCount = setCount;
  if (Number.isInteger(helpCount)) setCount(helpCount);
  else loadHelpRequests().then(({ items }) => setCount(items.length));
  return nav;
}

/** statusBadge shows a user's status. */
export function statusBadge(status) {
  const cls = { active: "ok", inactive: "bad", invited: "info" }[status] || "";
  return h("span", { class: `badge ${cls}` }, t(`admin.status.${status}`));
}

export function lockedBadge() {
  return h("span", { class: "badge warn" }, t("admin.locked"));
}

/** when formats an optional time; empty shows fallback. */
export function when(iso, fallback = "—") {
  if (!iso) return fallback;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** day formats an optional time as a date only. */
export function day(iso, fallback = "—") {
  if (!iso) return fallback;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(iso));
}

/** dateInputValue turns an RFC 3339 time into the local yyyy-mm-dd of a date input. */
export function dateInputValue(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** endOfDay turns a date input's yyyy-mm-dd into the RFC 3339 time of that local day's end. */
export function endOfDay(value) {
  if (!value) return "";
  const d = new Date(`${value}T23:59:59`);
  if (Number.isNaN(d.getTime())) return "";
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * loadFacilities reads the facilities the caller may pick from: the admin
 * list for managers, the caller's own views for a supervisor (who may not
 * read the admin list). Always resolves to an array of {id, name, status}.
 */
export async function loadFacilities() {
  if (isManager()) {
    const res = await api("GET", "api/admin/facilities");
    return res.ok ? res.body.items : [];
  }
  return (await loadOwnViews()).facilities;
}

/**
 * loadOwnViews reads the caller's own views (GET api/auth/views): whether it
 * has network access, and its facilities as {id, name, status}. For a
 * supervisor that is what it administers (supervisorActsOn).
 */
export async function loadOwnViews() {
  const res = await api("GET", "api/auth/views");
  if (!res.ok) return { network: false, facilities: [] };
  return {
    network: Boolean(res.body.network),
    facilities: (res.body.facilities || []).map((f) => ({ ...f, status: "active" })),
  };
}

/** operatorOnly reports whether a user's roles are exactly operator. */
export function operatorOnly(u) {
  return (u.roles || []).length > 0 && u.roles.every((r) => r === "operator");
}

/**
 * supervisorActsOn is the supervisor subset rule of the server (API.md "Admin
 * endpoints"): a supervisor helps — unlock, reset two-factor, temporary
 * password — only an operator without network access whose every facility
 * is one of the supervisor's (and who has one); a supervisor with network
 * access, any operator without network access. Sharing a facility is not
 * enough. own is loadOwnViews(). A facility the supervisor can't see here
 * (deactivated, say) counts as not its own: the page rather offers too
 * little than a button the server refuses.
 */
export function supervisorActsOn(own, u) {
  if (!operatorOnly(u) || u.networkAccess) return false;
  if (own.network) return true;
  const mine = new Set(own.facilities.map((f) => f.id));
  const theirs = u.facilityIds || [];
  return theirs.length > 0 && theirs.every((id) => mine.has(id));
}

/** facilityNames renders a user's facilities (or the whole network) as text. */
export function facilityNames(user, byId) {
  const ids = user.facilityIds || [];
  const names = ids.filter((id) => byId.has(id)).map((id) => byId.get(id).name);
  const unknown = ids.length - names.length;
  // Managers see every facility, so an unknown id was deleted; a supervisor
  // only knows its own facilities, so others are just counted.
  if (unknown) {
    if (isManager()) names.push(...ids.filter((id) => !byId.has(id)).map((id) => t("admin.unknownFacility", { id })));
    else names.push(t(unknown === 1 ? "admin.otherFacility" : "admin.otherFacilities", { count: unknown }));
  }
  if (user.networkAccess) names.unshift(t("admin.network"));
  return names.length ? names.join(", ") : "—";
}

/** violationText turns one API violation into a fragment for a field ("is required"). */
export function violationText(v) {
  for (const key of [`admin.violation.${v.code}`, `violation.${v.code}`]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return v.message || t("violation.invalid");
}

/**
 * Fields keeps a form's labelled controls by API field name, and shows
 * per-field errors with aria-invalid and aria-describedby.
 */
export class Fields {
  constructor() { this.map = new Map(); }

  /** add registers a wrapper (with .input or a fieldset) under an API field name and a label. */
  add(name, wrapper, label) {
    this.map.set(name, { wrapper, label });
    return wrapper;
  }

  clear() {
    for (const { wrapper } of this.map.values()) setFieldError(wrapper, "");
  }

  /** set shows a complete sentence on a field. */
  set(name, sentence) {
    const entry = this.map.get(name);
    if (!entry) return false;
    setFieldError(entry.wrapper, sentence);
    return true;
  }

  /**
   * show puts a problem's violations on their fields ("Label problem");
   * it returns the sentences of violations for unknown fields.
   */
  show(res) {
    const byField = new Map();
    for (const v of (res.body && res.body.violations) || []) {
      const list = byField.get(v.field) || [];
      list.push(violationText(v));
      byField.set(v.field, list);
    }
    const rest = [];
    let first = null;
    for (const [name, problems] of byField) {
      const entry = this.map.get(name);
      const sentence = t("admin.fieldError", { label: entry ? entry.label : name, problem: problems.join("; ") });
      if (entry) {
        setFieldError(entry.wrapper, sentence);
        first = first || entry.wrapper;
      } else {
        rest.push(sentence);
      }
    }
    if (first) focusControl(first);
    return rest;
  }
}

/** focusControl focuses a field's first control. */
export function focusControl(wrapper) {
  const c = controlOf(wrapper);
  if (!c) return;
  // After the current task: busy() re-enables the form's controls only then.
  setTimeout(() => {
    c.focus({ preventScroll: true });
    c.scrollIntoView({ block: "center", behavior: "instant" });
  }, 0);
}

/**
 * checkboxGroup is a fieldset of checkboxes: options [{value, label, disabled, hint}].
 * group.values() returns the checked values; group.set(values) checks them.
 */
export function checkboxGroup({ legend, name, options, checked = [], hint, disabled = false, columns = false }) {
  const hintId = hint ? uid("hint") : undefined;
  const boxes = options.map((o) => {
    const id = uid(name);
    const input = h("input", { type: "checkbox", id, name, value: o.value, checked: checked.includes(o.value),
      disabled: disabled || o.disabled });
    return { input, node: h("label", { class: "checkbox", for: id }, input, h("span", {}, o.label)) };
  });
  const fs = h("fieldset", { class: `choices${columns ? " columns" : ""}`, "aria-describedby": hintId },
    h("legend", {}, legend),
    hint ? h("p", { class: "hint fieldset-hint", id: hintId }, hint) : null,
    boxes.length ? h("div", { class: "choice-list" }, boxes.map((b) => b.node)) : null);
  fs.values = () => boxes.filter((b) => b.input.checked).map((b) => b.input.value);
  fs.boxes = boxes;
  return fs;
}

/** selectField is a labelled <select>: options [{value, label}]. */
export function selectField({ label, name, options, value = "", hint, disabled = false }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const select = h("select", { id, name, disabled, "aria-describedby": hintId },
    options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label)));
  select.value = value;
  const wrapper = h("div", { class: "field" }, h("label", { for: id }, label), select,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null);
  wrapper.input = select;
  return wrapper;
}

/** checkboxField is one labelled checkbox with an optional hint. */
export function checkboxField({ label, name, checked = false, hint, disabled = false }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", { type: "checkbox", id, name, checked, disabled, "aria-describedby": hintId });
  const wrapper = h("div", { class: "field checkbox-field" },
    h("label", { class: "checkbox", for: id }, input, h("span", {}, label)),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null);
  wrapper.input = input;
  return wrapper;
}

/** failure is the message for a failed call, with the network case covered. */
export function failure(res) {
  return message(res);
}

/** debounce delays fn until calls stop for ms. */
export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** setHashQuery updates the hash query without a navigation (no re-render). */
export function setHashQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  history.replaceState(null, "", `${location.pathname}${location.search}#${path}${s ? `?${s}` : ""}`);
}

/** pageHeader is the h1 with optional actions on the right. */
export function pageHeader(title, ...actions) {
  return h("div", { class: "page-header" },
    h("h1", {}, title),
    actions.filter(Boolean).length ? h("div", { class: "header-actions" }, actions) : null);
}

/** rowCache keeps the list rows seen, by id: supervisors can't read one user, so the user page starts from the row. */
export const rowCache = new Map();
