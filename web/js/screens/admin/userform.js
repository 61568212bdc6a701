// The fields of a user shared by "New user" and the user page's edit form,
// and a temporary-password field with the tenant's policy as live hints.
import { field, h, uid } from "../../dom.js";
import { locale as uiLocale, register, t } from "../../i18n.js";
import { state } from "../../state.js";
import { roleName, ROLES } from "../common/layout.js";
import {
  checkboxField, checkboxGroup, dateInputValue, Fields, isSuperAdmin, selectField,
} from "./common.js";

register({
  en: {
    "admin.user.username": "Username",
    "admin.user.usernameHint": "Used to sign in. It can't be changed later.",
    "admin.user.displayName": "Display name",
    "admin.user.email": "Email address",
    "admin.user.emailHint": "Optional. Needed for invitations and password reset links.",
    "admin.user.locale": "Language",
    "admin.user.localeHint": "Language of the emails the user receives.",
    "admin.user.roles": "Roles",
    "admin.user.rolesHint": "At least one.",
    "admin.user.rolesSelf": "You can't change your own roles.",
    "admin.user.roleHint.super_admin": "Everything, including parameters and admins",
    "admin.user.roleHint.admin": "Users and facilities",
    "admin.user.roleHint.supervisor": "Helps the operators of their facilities",
    "admin.user.roleHint.operator": "Works in the Backoffice",
    "admin.user.network": "Network access",
    "admin.user.networkHint": "May use the whole-network view and every facility.",
    "admin.user.facilities": "Facilities",
    "admin.user.facilitiesHint": "The facility views the user may open.",
    "admin.user.noFacilities": "No facilities exist yet.",
    "admin.user.validUntil": "Valid until",
    "admin.user.validUntilHint": "Optional. The account can't sign in after this day.",
    "admin.user.password.show": "Show",
    "admin.user.password.hide": "Hide",
    "admin.user.password.showLabel": "Show password",
    "admin.user.password.hideLabel": "Hide password",
    "admin.user.password.generate": "Generate",
    "admin.user.password.generateLabel": "Generate a strong password",
    "admin.user.password.rules": "Requirements",
    "admin.user.password.min": "At least {min} characters",
    "admin.user.password.upper": "An uppercase letter",
    "admin.user.password.lower": "A lowercase letter",
    "admin.user.password.digit": "A digit",
    "admin.user.password.symbol": "A symbol",
    "admin.user.password.share": "Give it to the user in person or by phone, never by email. They choose their own at the next sign-in.",
  },
  de: {
    "admin.user.username": "Benutzername",
    "admin.user.usernameHint": "Wird zur Anmeldung verwendet und kann später nicht geändert werden.",
    "admin.user.displayName": "Anzeigename",
    "admin.user.email": "E-Mail-Adresse",
    "admin.user.emailHint": "Optional. Nötig für Einladungen und Links zum Zurücksetzen des Passworts.",
    "admin.user.locale": "Sprache",
    "admin.user.localeHint": "Sprache der E-Mails, die die Person erhält.",
    "admin.user.roles": "Rollen",
    "admin.user.rolesHint": "Mindestens eine.",
    "admin.user.rolesSelf": "Ihre eigenen Rollen können Sie nicht ändern.",
    "admin.user.roleHint.super_admin": "Alles, auch Parameter und Admins",
    "admin.user.roleHint.admin": "Benutzer und Standorte",
    "admin.user.roleHint.supervisor": "Unterstützt die Operatoren seiner Standorte",
    "admin.user.roleHint.operator": "Arbeitet im Backoffice",
    "admin.user.network": "Netzwerkzugriff",
    "admin.user.networkHint": "Darf die Ansicht des gesamten Netzwerks und jeden Standort nutzen.",
    "admin.user.facilities": "Standorte",
    "admin.user.facilitiesHint": "Die Standortansichten, die die Person öffnen darf.",
    "admin.user.noFacilities": "Es gibt noch keine Standorte.",
    "admin.user.validUntil": "Gültig bis",
    "admin.user.validUntilHint": "Optional. Nach diesem Tag ist keine Anmeldung mehr möglich.",
    "admin.user.password.show": "Anzeigen",
    "admin.user.password.hide": "Verbergen",
    "admin.user.password.showLabel": "Passwort anzeigen",
    "admin.user.password.hideLabel": "Passwort verbergen",
    "admin.user.password.generate": "Erzeugen",
    "admin.user.password.generateLabel": "Ein starkes Passwort erzeugen",
    "admin.user.password.rules": "Anforderungen",
    "admin.user.password.min": "Mindestens {min} Zeichen",
    "admin.user.password.upper": "Ein Großbuchstabe",
    "admin.user.password.lower": "Ein Kleinbuchstabe",
    "admin.user.password.digit": "Eine Ziffer",
    "admin.user.password.symbol": "Ein Sonderzeichen",
    "admin.user.password.share": "Geben Sie es der Person persönlich oder telefonisch weiter, nie per E-Mail. Bei der nächsten Anmeldung wählt sie ein eigenes.",
  },
});

/**
 * userFields builds the editable fields of a user. user is null for a new
 * one. Options: {self, readOnly}. Returns {fields, nodes, values()}; values()
 * reads the form as API values (validUntil as the yyyy-mm-dd of the input).
 */
export function userFields(user, facilities, { self = false, readOnly = false, create = false } = {}) {
  const fields = new Fields();
  const u = user || { displayName: "", email: "", roles: ["operator"], networkAccess: false, facilityIds: [], locale: uiLocale() };
  const dis = { attrs: { disabled: readOnly } };

  const username = create ? fields.add("username", field({ label: t("admin.user.username"), name: "username",
    required: true, autocomplete: "off", hint: t("admin.user.usernameHint"),
    attrs: { spellcheck: "false", autocapitalize: "none", maxlength: "64" } }), t("admin.user.username")) : null;
  const displayName = fields.add("displayName", field({ label: t("admin.user.displayName"), name: "displayName",
    value: u.displayName, required: true, autocomplete: "off", attrs: { ...dis.attrs, maxlength: "200" } }), t("admin.user.displayName"));
  const email = fields.add("email", field({ label: t("admin.user.email"), name: "email", type: "email", value: u.email || "",
    autocomplete: "off", hint: t("admin.user.emailHint"), attrs: { ...dis.attrs, spellcheck: "false" } }), t("admin.user.email"));
  const locale = fields.add("locale", selectField({ label: t("admin.user.locale"), name: "locale", value: u.locale || "en",
    hint: t("admin.user.localeHint"), disabled: readOnly,
    options: [{ value: "en", label: t("admin.locale.en") }, { value: "de", label: t("admin.locale.de") }] }), t("admin.user.locale"));

  // admin/super_admin are offered only to a super_admin, but a role the user
  // already holds stays visible (checked, and locked for others).
  const offered = ROLES.filter((r) => isSuperAdmin() || r === "supervisor" || r === "operator" || u.roles.includes(r));
  const roles = fields.add("roles", checkboxGroup({
    legend: t("admin.user.roles"), name: "roles", checked: u.roles, disabled: readOnly || self, columns: true,
    hint: self ? t("admin.user.rolesSelf") : t("admin.user.rolesHint"),
    options: offered.map((r) => ({ value: r, label: h("span", {}, roleName(r),
      h("span", { class: "choice-hint" }, t(`admin.user.roleHint.${r}`))),
    disabled: !isSuperAdmin() && (r === "admin" || r === "super_admin") })),
  }), t("admin.user.roles"));

  const network = fields.add("networkAccess", checkboxField({ label: t("admin.user.network"), name: "networkAccess",
    checked: u.networkAccess, hint: t("admin.user.networkHint"), disabled: readOnly }), t("admin.user.network"));

  // Facilities: every existing one, plus ids the user keeps whose facility is gone.
  const known = new Set(facilities.map((f) => f.id));
  const options = facilities.map((f) => ({ value: f.id,
    label: f.status === "inactive" ? t("admin.facility.inactiveSuffix", { name: f.name }) : f.name }));
  for (const id of u.facilityIds) if (!known.has(id)) options.push({ value: id, label: t("admin.unknownFacility", { id }) });
  const facilityGroup = fields.add("facilityIds", checkboxGroup({ legend: t("admin.user.facilities"), name: "facilityIds",
    checked: u.facilityIds, options, disabled: readOnly, columns: true,
    hint: options.length ? t("admin.user.facilitiesHint") : t("admin.user.noFacilities") }), t("admin.user.facilities"));

  const validUntil = fields.add("validUntil", field({ label: t("admin.user.validUntil"), name: "validUntil", type: "date",
    value: dateInputValue(u.validUntil), hint: t("admin.user.validUntilHint"), attrs: dis.attrs }), t("admin.user.validUntil"));

  const values = () => ({
    username: username ? username.input.value.trim() : undefined,
    displayName: displayName.input.value.trim(),
    email: email.input.value.trim(),
    locale: locale.input.value,
    roles: roles.values(),
    networkAccess: network.input.checked,
    facilityIds: facilityGroup.values(),
    validUntil: validUntil.input.value,
  });

  return {
    fields,
    values,
    parts: { username, displayName, email, locale, roles, network, facilities: facilityGroup, validUntil },
  };
}

/** generatePassword makes a random, readable password well above the policy minimum. */
export function generatePassword(minLength = 15) {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const groups = Math.max(4, Math.ceil((minLength + 2) / 6));
  const bytes = new Uint32Array(groups * 5);
  crypto.getRandomValues(bytes);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  const parts = [];
  for (let i = 0; i < groups; i++) parts.push(chars.slice(i * 5, i * 5 + 5).join(""));
  // A digit, upper and lower case letter and a symbol ("-") are all but certain; make them certain.
  let pw = parts.join("-");
  if (!/[0-9]/.test(pw)) pw += "7";
  if (!/[A-Z]/.test(pw)) pw += "K";
  if (!/[a-z]/.test(pw)) pw += "m";
  return pw;
}

/**
 * passwordField is a new-password input with a show/hide toggle, an optional
 * "Generate" button and the tenant's policy as live hints. wrapper.input is the input.
 */
export function passwordField({ label, name, generate = true }) {
  const policy = (state.config && state.config.passwordPolicy) || { minLength: 15 };
  const id = uid(name);
  const rulesId = `${id}-rules`;
  const shareId = `${id}-share`;
  const input = h("input", { id, name, type: "password", autocomplete: "new-password", spellcheck: "false",
    autocapitalize: "none", "aria-describedby": `${rulesId} ${shareId}` });
  const rules = [
    { key: "min", test: (v) => [...v].length >= policy.minLength, text: t("admin.user.password.min", { min: policy.minLength }) },
    policy.requireUppercase && { key: "upper", test: (v) => /\p{Lu}/u.test(v), text: t("admin.user.password.upper") },
    policy.requireLowercase && { key: "lower", test: (v) => /\p{Ll}/u.test(v), text: t("admin.user.password.lower") },
    policy.requireDigit && { key: "digit", test: (v) => /\p{Nd}/u.test(v), text: t("admin.user.password.digit") },
    policy.requireSymbol && { key: "symbol", test: (v) => /[^\p{L}\p{Nd}\s]/u.test(v), text: t("admin.user.password.symbol") },
  ].filter(Boolean);
  const items = rules.map((r) => h("li", {}, r.text));
  const list = h("ul", { class: "policy", id: rulesId, "aria-label": t("admin.user.password.rules") }, items);
  const update = () => rules.forEach((r, i) => items[i].classList.toggle("met", r.test(input.value)));
  input.addEventListener("input", update);

  const toggle = h("button", { type: "button", class: "secondary small", "aria-pressed": "false",
    "aria-label": t("admin.user.password.showLabel") }, t("admin.user.password.show"));
  const reveal = (on) => {
    input.type = on ? "text" : "password";
    toggle.textContent = on ? t("admin.user.password.hide") : t("admin.user.password.show");
    toggle.setAttribute("aria-label", on ? t("admin.user.password.hideLabel") : t("admin.user.password.showLabel"));
    toggle.setAttribute("aria-pressed", String(on));
  };
  toggle.addEventListener("click", () => reveal(input.type === "password"));
  const gen = generate ? h("button", { type: "button", class: "secondary small", "aria-label": t("admin.user.password.generateLabel"),
    onclick: () => {
      input.value = generatePassword(policy.minLength);
      reveal(true);
      update();
      input.focus();
      input.select();
    } }, t("admin.user.password.generate")) : null;

  const wrapper = h("div", { class: "field password-field" },
    h("label", { for: id }, label),
    h("div", { class: "input-row" }, input, toggle, gen),
    list,
    h("p", { class: "hint", id: shareId }, t("admin.user.password.share")));
  wrapper.input = input;
  wrapper.reset = () => { input.value = ""; reveal(false); update(); };
  return wrapper;
}
