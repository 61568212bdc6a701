// The signed-in frame: the top bar with the product, the current view and
// its switcher, and the profile menu (Account settings, Administration,
// language, Log out). Keyboard: the menu opens with Enter/Space/ArrowDown,
// moves with the arrow keys, closes with Escape and gives focus back.
import { api } from "./api.js";
import { h } from "./dom.js";
import { locale, locales, register, setLocale, t } from "./i18n.js";
import { hasRole, state } from "./state.js";

register({
  en: {
    "shell.view.network": "Whole network",
    "shell.view.none": "No view chosen",
    "shell.view.switch": "Switch view",
    "shell.menu": "Profile menu for {name}",
    "shell.account": "Account settings",
    "shell.admin": "Administration",
    "shell.logout": "Log out",
    "shell.language.en": "English",
    "shell.language.de": "Deutsch",
    "shell.nav": "Main",
  },
  de: {
    "shell.view.network": "Gesamtes Netzwerk",
    "shell.view.none": "Keine Ansicht gewählt",
    "shell.view.switch": "Ansicht wechseln",
    "shell.menu": "Profilmenü von {name}",
    "shell.account": "Kontoeinstellungen",
    "shell.admin": "Verwaltung",
    "shell.logout": "Abmelden",
    "shell.language.en": "English",
    "shell.language.de": "Deutsch",
    "shell.nav": "Hauptnavigation",
  },
});

/** viewLabel names a session view for people. */
export function viewLabel(view) {
  if (!view) return t("shell.view.none");
  if (view.type === "network") return t("shell.view.network");
  return view.facilityName || view.facilityId;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0].toUpperCase()).join("") || "?";
}

/** shell wraps a screen's main element in the signed-in frame. */
export function shell(main, ctx) {
  const s = state.session;
  const name = s.user.displayName || s.user.username;
  const items = [
    h("a", { href: "#/account", role: "menuitem", tabindex: "-1" }, t("shell.account")),
    hasRole("super_admin", "admin", "supervisor")
      ? h("a", { href: "#/admin/users", role: "menuitem", tabindex: "-1" }, t("shell.admin")) : null,
    ...locales.filter((l) => l !== locale()).map((l) => h("button", {
      type: "button", role: "menuitem", tabindex: "-1", lang: l,
      onclick: () => { setLocale(l); ctx.refresh(); },
    }, t(`shell.language.${l}`))),
    h("button", {
      type: "button", role: "menuitem", tabindex: "-1", "data-action": "logout",
      onclick: async () => {
        await api("POST", "api/auth/logout", {});
        state.session = null;
        ctx.go("/login");
      },
    }, t("shell.logout")),
  ].filter(Boolean);
  const menu = h("div", { class: "menu", role: "menu", id: "profile-menu", hidden: true }, items);
  const button = h("button", {
    type: "button", class: "avatar", "aria-haspopup": "menu", "aria-expanded": "false",
    "aria-controls": "profile-menu", "aria-label": t("shell.menu", { name }),
  }, initials(name));
  const close = (refocus) => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
  };
  const open = () => {
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    items[0].focus();
  };
  button.addEventListener("click", () => (menu.hidden ? open() : close(true)));
  button.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); open(); }
  });
  menu.addEventListener("keydown", (e) => {
    const i = items.indexOf(document.activeElement);
    if (e.key === "Escape") { e.preventDefault(); close(true); }
    if (e.key === "ArrowDown") { e.preventDefault(); items[(i + 1) % items.length].focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
    if (e.key === "Tab") close(false);
  });
  menu.addEventListener("click", (e) => { if (e.target.closest("a")) close(false); });
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== button) close(false);
  });

  const header = h("header", { class: "topbar" },
    h("a", { class: "brand", href: "#/home" },
      h("img", { src: "img/icon.svg", alt: "", width: 28, height: 28 }),
      h("span", { class: "brand-tenant" }, state.config && state.config.tenant ? state.config.tenant : t("app.name"))),
    h("div", { class: "current-view" },
      h("span", { class: "view-name", "data-testid": "current-view" }, viewLabel(s.view)),
      location.hash.startsWith("#/views") ? null : h("a", { href: "#/views", class: "link-button" }, t("shell.view.switch"))),
    h("div", { class: "profile" },
      h("span", { class: "who" }, name),
      button,
      menu));
  return h("div", { class: "frame" }, header, main);
}
