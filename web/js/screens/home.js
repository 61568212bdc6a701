// #/home — the landing page of a view. The Backoffice's own modules (orders,
// inventory, tasks) plug in here; Gatepass shows the view, a calm
// placeholder, quick links and the previous sign-in.
import { api } from "../api.js";
import { formatDate, h } from "../dom.js";
import { locale, register, t } from "../i18n.js";
import { route } from "../router.js";
import { viewLabel } from "../shell.js";
import { hasRole, state } from "../state.js";

register({
  en: {
    "home.title": "Home",
    "home.kind.network": "Network view",
    "home.kind.facility": "Facility view",
    "home.greeting": "Welcome, {name}",
    "home.placeholder.title": "Your workspace",
    "home.placeholder.network": "Orders, inventory and tasks across all facilities will appear here.",
    "home.placeholder.facility": "Orders, inventory and tasks of {name} will appear here.",
    "home.tile.orders": "Orders",
    "home.tile.inventory": "Inventory",
    "home.tile.tasks": "Tasks",
    "home.tile.soon": "Coming to this view",
    "home.links": "Quick links",
    "home.link.views": "Switch view",
    "home.link.views.text": "Work with another facility or the whole network",
    "home.link.account": "Account settings",
    "home.link.account.text": "Password, two-factor authentication and sessions",
    "home.link.admin": "Administration",
    "home.link.admin.text": "Users, facilities and security settings",
    "home.last": "Last sign-in: {date}",
    "home.last.ip": "Last sign-in: {date} from {ip}",
    "home.last.value.ip": "{date} from {ip}",
    "home.last.hint": "Wasn't you? Change your password and sign out your other sessions in the account settings.",
    "home.first": "This is your first sign-in. Welcome!",
    "home.mfa.suggest": "Protect your account with two-factor authentication.",
    "home.mfa.setup": "Set up now",
    "home.help.one": "Someone without an email address asked for help signing in.",
    "home.help.many": "{count} people without an email address asked for help signing in.",
    "home.help.open": "Open help requests",
  },
  de: {
    "home.title": "Startseite",
    "home.kind.network": "Netzwerkansicht",
    "home.kind.facility": "Standortansicht",
    "home.greeting": "Willkommen, {name}",
    "home.placeholder.title": "Ihr Arbeitsbereich",
    "home.placeholder.network": "Hier erscheinen Bestellungen, Bestand und Aufgaben aller Standorte.",
    "home.placeholder.facility": "Hier erscheinen Bestellungen, Bestand und Aufgaben von {name}.",
    "home.tile.orders": "Bestellungen",
    "home.tile.inventory": "Bestand",
    "home.tile.tasks": "Aufgaben",
    "home.tile.soon": "Demnächst in dieser Ansicht",
    "home.links": "Schnellzugriff",
    "home.link.views": "Ansicht wechseln",
    "home.link.views.text": "Mit einem anderen Standort oder dem gesamten Netzwerk arbeiten",
    "home.link.account": "Kontoeinstellungen",
    "home.link.account.text": "Passwort, Zwei-Faktor-Authentifizierung und Sitzungen",
    "home.link.admin": "Verwaltung",
    "home.link.admin.text": "Benutzer, Standorte und Sicherheitseinstellungen",
    "home.last": "Letzte Anmeldung: {date}",
    "home.last.ip": "Letzte Anmeldung: {date} von {ip}",
    "home.last.value.ip": "{date} von {ip}",
    "home.last.hint": "Das waren nicht Sie? Ändern Sie Ihr Passwort und melden Sie Ihre anderen Sitzungen in den Kontoeinstellungen ab.",
    "home.first": "Dies ist Ihre erste Anmeldung. Willkommen!",
    "home.mfa.suggest": "Schützen Sie Ihr Konto mit der Zwei-Faktor-Authentifizierung.",
    "home.mfa.setup": "Jetzt einrichten",
    "home.help.one": "Jemand ohne E-Mail-Adresse hat um Hilfe bei der Anmeldung gebeten.",
    "home.help.many": "{count} Personen ohne E-Mail-Adresse haben um Hilfe bei der Anmeldung gebeten.",
    "home.help.open": "Hilfeanfragen öffnen",
  },
});

/** lastSignInValue is "<date> from <ip>", "" when there was no earlier sign-in. */
export function lastSignInValue(user) {
  const last = user && user.lastLogin;
  if (!last || !last.at) return "";
  const date = formatDate(last.at, locale());
  return last.ip ? t("home.last.value.ip", { date, ip: last.ip }) : date;
}

/** lastSignIn renders "Last sign-in: <date> from <ip>" (or the first-sign-in line). */
export function lastSignIn(user) {
  const last = user && user.lastLogin;
  if (!last || !last.at) return t("home.first");
  const date = formatDate(last.at, locale());
  return last.ip ? t("home.last.ip", { date, ip: last.ip }) : t("home.last", { date });
}

function home(ctx) {
  const s = state.session;
  if (!s.view) {
    ctx.go("/views", { replace: true });
    return h("div");
  }
  const user = s.user;
  const network = s.view.type === "network";
  const name = viewLabel(s.view);
  const links = [
    { href: "#/views", title: t("home.link.views"), text: t("home.link.views.text"), icon: "switch" },
    { href: "#/account", title: t("home.link.account"), text: t("home.link.account.text"), icon: "account" },
    hasRole("super_admin", "admin", "supervisor")
      ? { href: "#/admin/users", title: t("home.link.admin"), text: t("home.link.admin.text"), icon: "admin" } : null,
  ].filter(Boolean);

  // Supervisors and admins: open help requests (accounts without an email
  // that forgot their password) are shown first thing, with the way there.
  const helpSlot = h("div", { "data-testid": "home-help" });
  if (hasRole("super_admin", "admin", "supervisor")) {
    api("GET", "api/admin/help-requests").then((res) => {
      const n = res.ok && res.body && Array.isArray(res.body.items) ? res.body.items.length : 0;
      if (!n) return;
      helpSlot.replaceChildren(h("div", { class: "warning notice-row", role: "status" },
        h("span", {}, n === 1 ? t("home.help.one") : t("home.help.many", { count: n })),
        h("a", { href: "#/admin/help", class: "notice-action" }, t("home.help.open"))));
    });
  }
  const page = h("div", { class: "home", "data-testid": "home" },
    h("div", { class: "page-header home-header" },
      h("div", {},
        h("p", { class: "eyebrow" }, network ? t("home.kind.network") : t("home.kind.facility")),
        h("h1", { "data-testid": "home-view" }, name),
        h("p", { class: "muted" }, t("home.greeting", { name: user.displayName || user.username })))),
    !s.mfa.totp && !(s.mfa.passkeys > 0) && !user.sso
      ? h("div", { class: "notice notice-row" },
        h("span", {}, t("home.mfa.suggest")),
        h("a", { href: "#/account?section=mfa", class: "notice-action" }, t("home.mfa.setup")))
      : null,
    helpSlot,
    h("section", { class: "panel placeholder-panel", "aria-labelledby": "home-workspace" },
      h("h2", { id: "home-workspace" }, t("home.placeholder.title")),
      h("p", { class: "muted" }, network ? t("home.placeholder.network") : t("home.placeholder.facility", { name })),
      h("ul", { class: "placeholder-tiles" },
        ["orders", "inventory", "tasks"].map((k) => h("li", { class: `placeholder-tile ${k}` },
          h("span", { class: `ph-icon ${k}`, "aria-hidden": "true" }),
          h("span", { class: "ph-name" }, t(`home.tile.${k}`)),
          h("span", { class: "muted" }, t("home.tile.soon")))))),
    h("section", { "aria-labelledby": "home-links" },
      h("h2", { id: "home-links" }, t("home.links")),
      h("ul", { class: "quick-links" }, links.map((l) => h("li", { "data-link": l.icon },
        h("a", { href: l.href, class: `quick-link ${l.icon}` },
          h("span", { class: "ql-title" }, l.title),
          h("span", { class: "muted" }, l.text)))))),
    h("p", { class: "last-login muted", "data-testid": "last-login" },
      lastSignIn(user),
      user.lastLogin && user.lastLogin.at ? [" ", h("span", { class: "small" }, t("home.last.hint"))] : null));
  // Switching only makes sense with more than one view to choose from; the
  // page is drawn at once and the link leaves when the answer says so.
  api("GET", "api/auth/views").then((res) => {
    if (!res.ok) return;
    const choices = (res.body.network ? 1 : 0) + (res.body.facilities || []).length;
    const item = page.querySelector('[data-link="switch"]');
    if (choices <= 1 && item) item.remove();
  });
  return page;
}

route("/home", "session", home, { shell: true, title: () => t("home.title") });
