// #/admin/parameters: the tenant's security parameters. A super admin edits
// them (PUT of the whole document); an admin reads them.
import { api } from "../../api.js";
import { busy, field, h, uid } from "../../dom.js";
import { locale, register, t } from "../../i18n.js";
import { loadConfig, state } from "../../state.js";
import { openDialog } from "../common/dialog.js";
import { controlOf } from "../common/forms.js";
import { noticeBox, roleName, ROLES, takeNotice } from "../common/layout.js";
import {
  adminNav, checkboxField, checkboxGroup, failure, Fields, focusControl, isSuperAdmin, loadFacilities,
  pageHeader, selectField, violationText,
} from "./common.js";

register({
  en: {
    "admin.params.title": "Parameters",
    "admin.params.intro": "Security settings of this Backoffice. Changes apply to everyone at once.",
    "admin.params.readOnly": "Only a super admin can change parameters. You can read them here.",
    "admin.params.save": "Save parameters",
    "admin.params.saved": "Parameters saved.",
    "admin.params.noChanges": "There are no changes to save.",
    "admin.params.range": "must be a whole number from {min} to {max}",
    "admin.params.whole": "must be a whole number",
    "admin.params.rangeHint": "Allowed: {min} to {max}",
    "admin.params.equals": "= {duration}",
    "admin.params.belowMin": "must not be below the minimum length",
    "admin.params.belowIdle": "must not be below the idle timeout",
    "admin.params.belowLock": "must not be below the lock duration",
    "admin.params.aliasInvalid": "must be 8 to 64 characters: letters a–z, A–Z, digits, - and _",
    "admin.params.chars": "characters",
    "admin.params.passwords": "passwords",
    "admin.params.attempts": "attempts",
    "admin.params.requests": "requests",
    "admin.params.seconds": "seconds",
    "admin.params.g.password": "Password policy",
    "admin.params.g.lockout": "Lockout",
    "admin.params.g.lockoutIntro": "Failed sign-ins in a time window lock the account (and, with many more, the network address) for a while; repeated locks last longer.",
    "admin.params.g.reset": "Reset requests and links",
    "admin.params.g.sessions": "Sessions",
    "admin.params.g.mfa": "Two-factor authentication",
    "admin.params.g.sso": "Single sign-on",
    "admin.params.g.alias": "Admin alias",
    "admin.params.passwordPolicy.minLength": "Minimum length",
    "admin.params.passwordPolicy.maxLength": "Maximum length",
    "admin.params.passwordPolicy.historyCount": "Remembered previous passwords",
    "admin.params.passwordPolicy.historyCountHint": "A new password may not be one of these. 0 turns it off.",
    "admin.params.passwordPolicy.requireUppercase": "Require an uppercase letter",
    "admin.params.passwordPolicy.requireLowercase": "Require a lowercase letter",
    "admin.params.passwordPolicy.requireDigit": "Require a digit",
    "admin.params.passwordPolicy.requireSymbol": "Require a symbol",
    "admin.params.passwordPolicy.blockCommon": "Refuse the most common passwords",
    "admin.params.passwordPolicy.blockBreached": "Refuse passwords known from data breaches",
    "admin.params.passwordPolicy.composition": "Length matters more than character rules; long passphrases are strong without them.",
    "admin.params.lockout.maxFailures": "Failed sign-ins per account",
    "admin.params.lockout.maxFailuresPerIp": "Failed sign-ins per network address",
    "admin.params.lockout.windowSeconds": "Counting window",
    "admin.params.lockout.lockSeconds": "Lock duration",
    "admin.params.lockout.maxLockSeconds": "Longest lock duration",
    "admin.params.resetRequests.perAccountPerHour": "Reset mails per account and hour",
    "admin.params.resetRequests.perIpPerHour": "Reset requests per network address and hour",
    "admin.params.resetTokenTtlSeconds": "Reset links are valid for",
    "admin.params.invitationTtlSeconds": "Invitation links are valid for",
    "admin.params.session.idleTimeoutSeconds": "Sign out after inactivity",
    "admin.params.session.absoluteTimeoutSeconds": "Sign out at the latest after",
    "admin.params.mfa.requiredForRoles": "Require two-factor authentication for",
    "admin.params.mfa.requiredHint": "Users with one of these roles must set up an authenticator app at their next sign-in.",
    "admin.params.sso.strategy": "Accounts for single sign-on",
    "admin.params.sso.existing_only": "Only existing accounts may sign in",
    "admin.params.sso.provision": "Create an account at the first sign-in",
    "admin.params.sso.defaultRoles": "Roles of accounts created at sign-in",
    "admin.params.sso.intro": "How people who sign in through an identity provider get their account and access.",
    "admin.params.sso.providersLink": "Manage the identity providers",
    "admin.params.sso.providersAdmin": "A super admin manages the identity providers.",
    "admin.params.sso.mappings": "Group mappings",
    "admin.params.sso.mappingsHint": "An account created at its first sign-in gets the roles above, plus the roles and access mapped here for every group it is in at its identity provider. Accounts that exist already keep what they have.",
    "admin.params.sso.mappingsNone": "No group mappings: accounts created at sign-in get the roles above and no facility.",
    "admin.params.sso.mapping": "Group mapping {n}",
    "admin.params.sso.mapping.provider": "Identity provider",
    "admin.params.sso.mapping.allProviders": "Any provider",
    "admin.params.sso.mapping.group": "Group at the provider",
    "admin.params.sso.mapping.groupHint": "Exactly as the provider sends it in the groups attribute (a name or an ID).",
    "admin.params.sso.mapping.roles": "Roles",
    "admin.params.sso.mapping.network": "Whole network",
    "admin.params.sso.mapping.facilities": "Facilities",
    "admin.params.sso.mapping.noFacilities": "There are no facilities yet.",
    "admin.params.sso.mapping.add": "Add group mapping",
    "admin.params.sso.mapping.remove": "Remove",
    "admin.params.sso.mapping.removeLabel": "Remove group mapping {n}",
    "admin.params.sso.mapping.groupRequired": "is required",
    "admin.params.sso.mapping.groupTooLong": "must be at most 256 bytes",
    "admin.params.sso.allowLocalPassword": "Single sign-on accounts may also have a password",
    "admin.params.sso.localPassword": "Passwords for single sign-on accounts",
    "admin.params.sso.allowLocalPasswordHint": "Off: single sign-on accounts sign in only through their identity provider, and “Forgot password?” reminds them of that by email. On: “Forgot password?” emails them a link to set a password of their own, and they can then sign in either way — useful when the provider is down or out of reach for some people. Mind that turning an account off at the identity provider then no longer stops its password: deactivate it here too.",
    "admin.params.adminAlias": "Alias",
    "admin.params.adminAliasHint": "Empty: the Backoffice answers at the address root. Otherwise 8 to 64 characters: letters, digits, - and _.",
    "admin.params.aliasWarning": "With an alias, the Backoffice and its API answer only under {origin}/<alias>/. Everyone needs the new address; bookmarks to the old one stop working. After saving, this page moves to the new address.",
    "admin.params.aliasNow": "Current address: {url}",
    "admin.params.aliasConfirmTitle": "Change the Backoffice address?",
    "admin.params.aliasConfirmSet": "From now on the Backoffice answers only at {url}. Everyone must use this address, and the old one stops working at once. Share it before you continue.",
    "admin.params.aliasConfirmRemove": "The alias is removed: the Backoffice answers at {url} again, and the current address stops working.",
    "admin.params.aliasConfirm": "Save and move",
  },
  de: {
    "admin.params.title": "Parameter",
    "admin.params.intro": "Sicherheitseinstellungen dieses Backoffice. Änderungen gelten sofort für alle.",
    "admin.params.readOnly": "Nur ein Super-Admin kann Parameter ändern. Hier können Sie sie lesen.",
    "admin.params.save": "Parameter speichern",
    "admin.params.saved": "Parameter gespeichert.",
    "admin.params.noChanges": "Es gibt keine Änderungen zu speichern.",
    "admin.params.range": "muss eine ganze Zahl von {min} bis {max} sein",
    "admin.params.whole": "muss eine ganze Zahl sein",
    "admin.params.rangeHint": "Erlaubt: {min} bis {max}",
    "admin.params.equals": "= {duration}",
    "admin.params.belowMin": "darf nicht unter der Mindestlänge liegen",
    "admin.params.belowIdle": "darf nicht unter der Inaktivitätsgrenze liegen",
    "admin.params.belowLock": "darf nicht unter der Sperrdauer liegen",
    "admin.params.aliasInvalid": "muss 8 bis 64 Zeichen lang sein: Buchstaben a–z, A–Z, Ziffern, - und _",
    "admin.params.chars": "Zeichen",
    "admin.params.passwords": "Passwörter",
    "admin.params.attempts": "Versuche",
    "admin.params.requests": "Anfragen",
    "admin.params.seconds": "Sekunden",
    "admin.params.g.password": "Passwortrichtlinie",
    "admin.params.g.lockout": "Sperre",
    "admin.params.g.lockoutIntro": "Fehlgeschlagene Anmeldungen innerhalb eines Zeitfensters sperren das Konto (und bei sehr vielen die Netzwerkadresse) eine Weile; wiederholte Sperren dauern länger.",
    "admin.params.g.reset": "Anfragen und Links zum Zurücksetzen",
    "admin.params.g.sessions": "Sitzungen",
    "admin.params.g.mfa": "Zwei-Faktor-Authentifizierung",
    "admin.params.g.sso": "Single Sign-on",
    "admin.params.g.alias": "Admin-Alias",
    "admin.params.passwordPolicy.minLength": "Mindestlänge",
    "admin.params.passwordPolicy.maxLength": "Höchstlänge",
    "admin.params.passwordPolicy.historyCount": "Gemerkte frühere Passwörter",
    "admin.params.passwordPolicy.historyCountHint": "Ein neues Passwort darf keines davon sein. 0 schaltet das aus.",
    "admin.params.passwordPolicy.requireUppercase": "Großbuchstaben verlangen",
    "admin.params.passwordPolicy.requireLowercase": "Kleinbuchstaben verlangen",
    "admin.params.passwordPolicy.requireDigit": "Ziffer verlangen",
    "admin.params.passwordPolicy.requireSymbol": "Sonderzeichen verlangen",
    "admin.params.passwordPolicy.blockCommon": "Die häufigsten Passwörter ablehnen",
    "admin.params.passwordPolicy.blockBreached": "Aus Datenlecks bekannte Passwörter ablehnen",
    "admin.params.passwordPolicy.composition": "Länge zählt mehr als Zeichenregeln; lange Passphrasen sind auch ohne sie stark.",
    "admin.params.lockout.maxFailures": "Fehlversuche je Konto",
    "admin.params.lockout.maxFailuresPerIp": "Fehlversuche je Netzwerkadresse",
    "admin.params.lockout.windowSeconds": "Zählzeitraum",
    "admin.params.lockout.lockSeconds": "Sperrdauer",
    "admin.params.lockout.maxLockSeconds": "Längste Sperrdauer",
    "admin.params.resetRequests.perAccountPerHour": "Rücksetz-E-Mails je Konto und Stunde",
    "admin.params.resetRequests.perIpPerHour": "Rücksetz-Anfragen je Netzwerkadresse und Stunde",
    "admin.params.resetTokenTtlSeconds": "Rücksetz-Links gelten",
    "admin.params.invitationTtlSeconds": "Einladungslinks gelten",
    "admin.params.session.idleTimeoutSeconds": "Abmelden nach Inaktivität",
    "admin.params.session.absoluteTimeoutSeconds": "Spätestens abmelden nach",
    "admin.params.mfa.requiredForRoles": "Zwei-Faktor-Authentifizierung verlangen für",
    "admin.params.mfa.requiredHint": "Personen mit einer dieser Rollen müssen bei der nächsten Anmeldung eine Authenticator-App einrichten.",
    "admin.params.sso.strategy": "Konten für Single Sign-on",
    "admin.params.sso.existing_only": "Nur vorhandene Konten dürfen sich anmelden",
    "admin.params.sso.provision": "Bei der ersten Anmeldung ein Konto anlegen",
    "admin.params.sso.defaultRoles": "Rollen von bei der Anmeldung angelegten Konten",
    "admin.params.sso.intro": "Wie Personen, die sich über einen Identitätsanbieter anmelden, ihr Konto und ihren Zugriff erhalten.",
    "admin.params.sso.providersLink": "Identitätsanbieter verwalten",
    "admin.params.sso.providersAdmin": "Die Identitätsanbieter verwaltet ein Super-Admin.",
    "admin.params.sso.mappings": "Gruppenzuordnungen",
    "admin.params.sso.mappingsHint": "Ein Konto, das bei der ersten Anmeldung angelegt wird, erhält die Rollen oben und zusätzlich die hier zugeordneten Rollen und Zugriffe jeder Gruppe, in der es beim Identitätsanbieter ist. Vorhandene Konten behalten, was sie haben.",
    "admin.params.sso.mappingsNone": "Keine Gruppenzuordnungen: Bei der Anmeldung angelegte Konten erhalten die Rollen oben und keinen Standort.",
    "admin.params.sso.mapping": "Gruppenzuordnung {n}",
    "admin.params.sso.mapping.provider": "Identitätsanbieter",
    "admin.params.sso.mapping.allProviders": "Jeder Anbieter",
    "admin.params.sso.mapping.group": "Gruppe beim Anbieter",
    "admin.params.sso.mapping.groupHint": "Genau so, wie der Anbieter sie im Gruppen-Attribut sendet (ein Name oder eine ID).",
    "admin.params.sso.mapping.roles": "Rollen",
    "admin.params.sso.mapping.network": "Gesamtes Netzwerk",
    "admin.params.sso.mapping.facilities": "Standorte",
    "admin.params.sso.mapping.noFacilities": "Es gibt noch keine Standorte.",
    "admin.params.sso.mapping.add": "Gruppenzuordnung hinzufügen",
    "admin.params.sso.mapping.remove": "Entfernen",
    "admin.params.sso.mapping.removeLabel": "Gruppenzuordnung {n} entfernen",
    "admin.params.sso.mapping.groupRequired": "ist erforderlich",
    "admin.params.sso.mapping.groupTooLong": "darf höchstens 256 Byte lang sein",
    "admin.params.sso.allowLocalPassword": "Single-Sign-on-Konten dürfen auch ein Passwort haben",
    "admin.params.sso.localPassword": "Passwörter für Single-Sign-on-Konten",
    "admin.params.sso.allowLocalPasswordHint": "Aus: Single-Sign-on-Konten melden sich nur über ihren Identitätsanbieter an, und „Passwort vergessen?“ erinnert sie per E-Mail daran. An: „Passwort vergessen?“ sendet ihnen einen Link, mit dem sie ein eigenes Passwort festlegen; danach melden sie sich auf beide Arten an – nützlich, wenn der Anbieter ausfällt oder für manche nicht erreichbar ist. Beachten Sie: Ein beim Identitätsanbieter gesperrtes Konto kann sich dann weiter mit seinem Passwort anmelden – deaktivieren Sie es auch hier.",
    "admin.params.adminAlias": "Alias",
    "admin.params.adminAliasHint": "Leer: Das Backoffice antwortet unter der Stammadresse. Sonst 8 bis 64 Zeichen: Buchstaben, Ziffern, - und _.",
    "admin.params.aliasWarning": "Mit einem Alias antworten das Backoffice und seine API nur noch unter {origin}/<Alias>/. Alle brauchen die neue Adresse; Lesezeichen auf die alte funktionieren nicht mehr. Nach dem Speichern wechselt diese Seite zur neuen Adresse.",
    "admin.params.aliasNow": "Aktuelle Adresse: {url}",
    "admin.params.aliasConfirmTitle": "Adresse des Backoffice ändern?",
    "admin.params.aliasConfirmSet": "Ab sofort antwortet das Backoffice nur unter {url}. Alle müssen diese Adresse verwenden, die alte funktioniert sofort nicht mehr. Teilen Sie sie, bevor Sie fortfahren.",
    "admin.params.aliasConfirmRemove": "Der Alias wird entfernt: Das Backoffice antwortet wieder unter {url}, und die aktuelle Adresse funktioniert nicht mehr.",
    "admin.params.aliasConfirm": "Speichern und wechseln",
  },
});

// Bounds as the server checks them (shared/params Validate); "min" may name another field.
const NUMBERS = {
  password: [
    { path: "passwordPolicy.minLength", min: 8, max: 128, unit: "chars" },
    { path: "passwordPolicy.maxLength", min: 64, max: 1024, unit: "chars", atLeast: ["passwordPolicy.minLength", "admin.params.belowMin"] },
    { path: "passwordPolicy.historyCount", min: 0, max: 24, unit: "passwords", hint: "admin.params.passwordPolicy.historyCountHint" },
  ],
  lockout: [
    { path: "lockout.maxFailures", min: 3, max: 100, unit: "attempts" },
    { path: "lockout.maxFailuresPerIp", min: 10, max: 100000, unit: "attempts" },
    { path: "lockout.windowSeconds", min: 60, max: 86400, seconds: true },
    { path: "lockout.lockSeconds", min: 30, max: 86400, seconds: true },
    { path: "lockout.maxLockSeconds", min: 30, max: 604800, seconds: true, atLeast: ["lockout.lockSeconds", "admin.params.belowLock"] },
  ],
  reset: [
    { path: "resetRequests.perAccountPerHour", min: 1, max: 100, unit: "requests" },
    { path: "resetRequests.perIpPerHour", min: 1, max: 100000, unit: "requests" },
    { path: "resetTokenTtlSeconds", min: 300, max: 86400, seconds: true },
    { path: "invitationTtlSeconds", min: 3600, max: 2592000, seconds: true },
  ],
  sessions: [
    { path: "session.idleTimeoutSeconds", min: 60, max: 86400, seconds: true },
    { path: "session.absoluteTimeoutSeconds", min: 300, max: 604800, seconds: true, atLeast: ["session.idleTimeoutSeconds", "admin.params.belowIdle"] },
  ],
};
const FLAGS = ["requireUppercase", "requireLowercase", "requireDigit", "requireSymbol", "blockCommon", "blockBreached"]
  .map((k) => `passwordPolicy.${k}`);
const ALIAS = /^[A-Za-z0-9_-]{8,64}$/;

const getPath = (obj, path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), obj);
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) { o[k] = o[k] || {}; o = o[k]; }
  o[keys[keys.length - 1]] = value;
}

/** duration says a number of seconds in words ("1 hour, 30 minutes"). */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return "";
  const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const parts = [];
  let rest = Math.floor(seconds);
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 && parts.length < 2) {
      parts.push(new Intl.NumberFormat(locale(), { style: "unit", unit, unitDisplay: "long" }).format(n));
      rest -= n * size;
    }
  }
  return parts.join(", ");
}

/** aliasPrefix is the current alias from the page's path ("" at the root). */
function currentAliasURL() {
  return location.origin + location.pathname;
}

/** parametersScreen renders the parameters form. */
export async function parametersScreen() {
  const res = await api("GET", "api/admin/parameters");
  const head = [adminNav("parameters"), pageHeader(t("admin.params.title")),
    h("p", { class: "muted lead" }, t("admin.params.intro"))];
  if (!res.ok) return h("div", { class: "admin" }, head, noticeBox("error", failure(res)));

  let loaded = res.body;
  const editable = isSuperAdmin();
  const facilities = await loadFacilities();
  const fields = new Fields();
  const numbers = new Map(); // path -> {def, wrapper}
  const notice = h("div", { class: "flash-slot" });
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const setError = (text) => { error.textContent = text || ""; error.hidden = !text; };
  const initial = takeNotice();
  if (initial) notice.append(initial);

  const label = (path) => t(`admin.params.${path}`);

  function numberField(def) {
    const id = uid(def.path.replace(/\./g, "-"));
    const hintId = `${id}-hint`;
    const value = getPath(loaded, def.path);
    const input = h("input", { id, name: def.path, type: "number", inputmode: "numeric", step: "1", min: String(def.min),
      max: String(def.max), value: String(value ?? ""), disabled: !editable, "aria-describedby": hintId });
    const unit = def.seconds ? t("admin.params.seconds") : t(`admin.params.${def.unit}`);
    const live = h("span", { class: "duration" });
    const hint = h("p", { class: "hint", id: hintId },
      def.hint ? [t(def.hint), " "] : null,
      t("admin.params.rangeHint", { min: def.min.toLocaleString(locale()), max: def.max.toLocaleString(locale()) }),
      def.seconds ? [" · ", live] : null);
    const update = () => {
      if (!def.seconds) return;
      const d = duration(Number(input.value));
      live.textContent = d ? t("admin.params.equals", { duration: d }) : "";
    };
    input.addEventListener("input", update);
    update();
    const wrapper = h("div", { class: "field number-field" },
      h("label", { for: id }, label(def.path)),
      h("div", { class: "input-unit" }, input, h("span", { class: "unit", "aria-hidden": "true" }, unit)),
      hint);
    wrapper.input = input;
    numbers.set(def.path, { def, wrapper });
    return fields.add(def.path, wrapper, label(def.path));
  }

  const flags = new Map();
  const flag = (path) => {
    const w = checkboxField({ label: label(path), name: path, checked: Boolean(getPath(loaded, path)), disabled: !editable });
    flags.set(path, w);
    return fields.add(path, w, label(path));
  };
  const roleOptions = ROLES.map((r) => ({ value: r, label: roleName(r) }));
  const mfaRoles = fields.add("mfa.requiredForRoles", checkboxGroup({ legend: label("mfa.requiredForRoles"), name: "mfaRoles",
    options: roleOptions, checked: loaded.mfa.requiredForRoles || [], disabled: !editable, hint: t("admin.params.mfa.requiredHint"),
    columns: true }), label("mfa.requiredForRoles"));
  const strategy = fields.add("sso.strategy", selectField({ label: label("sso.strategy"), name: "ssoStrategy", value: loaded.sso.strategy,
    disabled: !editable, options: ["existing_only", "provision"].map((s) => ({ value: s, label: t(`admin.params.sso.${s}`) })) }),
  label("sso.strategy"));
  const ssoRoles = fields.add("sso.defaultRoles", checkboxGroup({ legend: label("sso.defaultRoles"), name: "ssoRoles",
    options: roleOptions, checked: loaded.sso.defaultRoles || [], disabled: !editable, columns: true }), label("sso.defaultRoles"));
  // The switch shows where the server knows the parameter (an older server
  // would refuse the unknown field).
  const localPasswordKnown = Object.hasOwn(loaded.sso, "allowLocalPassword");
  const localPassword = localPasswordKnown ? fields.add("sso.allowLocalPassword", checkboxField({
    label: label("sso.allowLocalPassword"), name: "allowLocalPassword", checked: Boolean(loaded.sso.allowLocalPassword),
    disabled: !editable, hint: t("admin.params.sso.allowLocalPasswordHint") }), label("sso.allowLocalPassword")) : null;
  const mappings = groupMappings(loaded.sso, { facilities, editable, fields, roleOptions });

  const aliasId = uid("alias");
  const aliasInput = h("input", { id: aliasId, name: "adminAlias", type: "text", value: loaded.adminAlias || "", autocomplete: "off",
    spellcheck: "false", autocapitalize: "none", maxlength: "64", disabled: !editable, "aria-describedby": `${aliasId}-hint ${aliasId}-warn` });
  const alias = fields.add("adminAlias", h("div", { class: "field" },
    h("label", { for: aliasId }, label("adminAlias")), aliasInput,
    h("p", { class: "hint", id: `${aliasId}-hint` }, t("admin.params.adminAliasHint"))), label("adminAlias"));
  alias.input = aliasInput;

  const panel = (key, ...children) => h("section", { class: "panel param-panel", "aria-labelledby": `pg-${key}` },
    h("h2", { id: `pg-${key}` }, t(`admin.params.g.${key}`)), children);

  const form = h("form", { class: "params-form", novalidate: true },
    panel("password",
      h("div", { class: "form-grid three" }, NUMBERS.password.map(numberField)),
      h("p", { class: "hint composition" }, t("admin.params.passwordPolicy.composition")),
      h("div", { class: "flag-grid" }, FLAGS.map(flag))),
    panel("lockout",
      h("p", { class: "hint panel-intro" }, t("admin.params.g.lockoutIntro")),
      h("div", { class: "form-grid" }, NUMBERS.lockout.map(numberField))),
    panel("reset", h("div", { class: "form-grid" }, NUMBERS.reset.map(numberField))),
    panel("sessions", h("div", { class: "form-grid" }, NUMBERS.sessions.map(numberField))),
    panel("mfa", mfaRoles),
    panel("sso",
      h("p", { class: "hint panel-intro" }, t("admin.params.sso.intro"), " ", editable
        ? h("a", { href: "#/admin/sso" }, t("admin.params.sso.providersLink")) : t("admin.params.sso.providersAdmin")),
      h("div", { class: "narrow" }, strategy), ssoRoles,
      mappings.node,
      localPassword ? h("div", { class: "param-sub" }, h("h3", {}, t("admin.params.sso.localPassword")), localPassword) : null),
    panel("alias",
      h("div", { class: "warning", id: `${aliasId}-warn` }, t("admin.params.aliasWarning", { origin: location.origin })),
      h("p", { class: "muted" }, t("admin.params.aliasNow", { url: currentAliasURL() })),
      h("div", { class: "narrow" }, alias)),
    editable ? h("div", { class: "actions sticky-actions" },
      h("button", { type: "submit", class: "primary" }, t("admin.params.save"))) : null);

  /** read builds the edited document from the form and checks what can be checked here. */
  function read() {
    const doc = structuredClone(loaded);
    const problems = [];
    for (const { def, wrapper } of numbers.values()) {
      const raw = wrapper.input.value.trim();
      const n = Number(raw);
      if (raw === "" || !Number.isInteger(n)) {
        problems.push([def.path, t("admin.params.whole")]);
        continue;
      }
      if (n < def.min || n > def.max) problems.push([def.path, t("admin.params.range", { min: def.min, max: def.max })]);
      setPath(doc, def.path, n);
    }
    for (const { def } of numbers.values()) {
      if (!def.atLeast) continue;
      const [other, key] = def.atLeast;
      if (getPath(doc, def.path) < getPath(doc, other) && !problems.some((p) => p[0] === def.path)) problems.push([def.path, t(key)]);
    }
    for (const [path, w] of flags) setPath(doc, path, w.input.checked);
    doc.mfa.requiredForRoles = mfaRoles.values();
    doc.sso.strategy = strategy.input.value;
    doc.sso.defaultRoles = ssoRoles.values();
    doc.sso.groupMappings = mappings.values(problems);
    if (localPassword) doc.sso.allowLocalPassword = localPassword.input.checked;
    doc.adminAlias = aliasInput.value.trim();
    if (doc.adminAlias && !ALIAS.test(doc.adminAlias)) problems.push(["adminAlias", t("admin.params.aliasInvalid")]);
    return { doc, problems };
  }

  function showProblems(problems) {
    for (const [path, problem] of problems) {
      const entry = fields.map.get(path);
      fields.set(path, t("admin.fieldError", { label: entry ? entry.label : label(path), problem }));
    }
    const first = fields.map.get(problems[0][0]);
    if (first) focusControl(first.wrapper);
    setError(t("admin.errors.summary"));
  }

  /** serverProblems turns the 422 violations into sentences with the bounds known here. */
  function serverProblems(result) {
    return ((result.body && result.body.violations) || []).map((v) => {
      const n = numbers.get(v.field);
      let problem = violationText(v);
      if (n && v.code === "out_of_range") {
        problem = n.def.atLeast ? t(n.def.atLeast[1]) : t("admin.params.range", { min: n.def.min, max: n.def.max });
        const value = Number(n.wrapper.input.value);
        if (value < n.def.min || value > n.def.max) problem = t("admin.params.range", { min: n.def.min, max: n.def.max });
      } else if (v.field === "adminAlias") {
        problem = t("admin.params.aliasInvalid");
      }
      return [v.field, problem];
    });
  }

  async function save(doc) {
    await busy(form, async () => {
      const result = await api("PUT", "api/admin/parameters", doc);
      if (result.ok) {
        const newAlias = result.body.adminAlias || "";
        if (newAlias !== (loaded.adminAlias || "")) {
          location.assign(`${location.origin}/${newAlias ? `${newAlias}/` : ""}#/admin/parameters`);
          return;
        }
        loaded = result.body;
        state.config = null;
        await loadConfig();
        const box = noticeBox("success", t("admin.params.saved"));
        notice.replaceChildren(box);
        box.focus();
        return;
      }
      if (result.body && result.body.violations && result.body.violations.length) {
        const problems = serverProblems(result);
        const known = problems.filter(([f]) => fields.map.has(f));
        const unknown = problems.filter(([f]) => !fields.map.has(f));
        if (known.length) showProblems(known);
        if (unknown.length) setError([t("admin.errors.summary"), ...unknown.map(([f, p]) => `${f} ${p}`)].join(" "));
        return;
      }
      setError(failure(result));
      error.focus();
    });
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    fields.clear();
    setError("");
    notice.replaceChildren();
    const { doc, problems } = read();
    if (problems.length) { showProblems(problems); return; }
    if (JSON.stringify(doc) === JSON.stringify(loaded)) {
      const box = noticeBox("notice", t("admin.params.noChanges"));
      notice.replaceChildren(box);
      box.focus();
      return;
    }
    const before = loaded.adminAlias || "";
    if (doc.adminAlias !== before) {
      const target = `${location.origin}/${doc.adminAlias ? `${doc.adminAlias}/` : ""}`;
      await openDialog({
        title: t("admin.params.aliasConfirmTitle"),
        confirmLabel: t("admin.params.aliasConfirm"),
        danger: true,
        content: h("p", {}, t(doc.adminAlias ? "admin.params.aliasConfirmSet" : "admin.params.aliasConfirmRemove", { url: target })),
        onConfirm: () => { setTimeout(() => save(doc), 0); return true; },
      }).closed;
      return;
    }
    await save(doc);
  });

  return h("div", { class: "admin" }, head,
    editable ? null : noticeBox("notice", t("admin.params.readOnly")),
    notice, error, form);
}

/**
 * groupMappings is the editor of sso.groupMappings: one fieldset per mapping
 * (provider, group, roles, whole network, facilities), added and removed in
 * place. values(problems) reads them in the API's shape and adds the
 * problems it finds ([field, sentence], field as the server names it).
 */
function groupMappings(sso, { facilities, editable, fields, roleOptions }) {
  const providers = sso.providers || [];
  const rows = [];
  const list = h("div", { class: "mapping-list" });
  const none = h("p", { class: "muted mapping-none" }, t("admin.params.sso.mappingsNone"));
  const facilityOptions = facilities.map((f) => ({ value: f.id,
    label: f.status === "inactive" ? t("admin.facility.inactiveSuffix", { name: f.name }) : f.name }));

  const relabel = () => {
    rows.forEach((row, i) => {
      row.legend.textContent = t("admin.params.sso.mapping", { n: i + 1 });
      if (row.remove) row.remove.setAttribute("aria-label", t("admin.params.sso.mapping.removeLabel", { n: i + 1 }));
      fields.add(`sso.groupMappings[${i}].group`, row.group, `${t("admin.params.sso.mapping", { n: i + 1 })}: ${t("admin.params.sso.mapping.group")}`);
    });
    none.hidden = rows.length > 0;
  };

  const add = (m, focus) => {
    const known = providers.some((p) => p.id === m.provider);
    const provider = selectField({ label: t("admin.params.sso.mapping.provider"), name: "mappingProvider", value: m.provider || "",
      disabled: !editable, options: [{ value: "", label: t("admin.params.sso.mapping.allProviders") },
        ...providers.map((p) => ({ value: p.id, label: p.name || p.id })),
        ...(m.provider && !known ? [{ value: m.provider, label: m.provider }] : [])] });
    const group = field({ label: t("admin.params.sso.mapping.group"), name: "mappingGroup", value: m.group || "", autocomplete: "off",
      hint: t("admin.params.sso.mapping.groupHint"), attrs: { spellcheck: "false", autocapitalize: "none", disabled: !editable } });
    const roles = checkboxGroup({ legend: t("admin.params.sso.mapping.roles"), name: "mappingRoles", options: roleOptions,
      checked: m.roles || [], disabled: !editable, columns: true });
    const network = checkboxField({ label: t("admin.params.sso.mapping.network"), name: "mappingNetwork",
      checked: Boolean(m.networkAccess), disabled: !editable });
    const facilityGroup = facilityOptions.length
      ? checkboxGroup({ legend: t("admin.params.sso.mapping.facilities"), name: "mappingFacilities", options: facilityOptions,
        checked: m.facilityIds || [], disabled: !editable, columns: true })
      : h("p", { class: "muted" }, t("admin.params.sso.mapping.noFacilities"));
    const legend = h("legend", {});
    const row = { legend, group, m };
    row.remove = editable ? h("button", { type: "button", class: "danger-outline small mapping-remove",
      onclick: () => {
        const i = rows.indexOf(row);
        rows.splice(i, 1);
        node.remove();
        relabel();
        const next = rows[Math.min(i, rows.length - 1)];
        (next ? controlOf(next.group) : addButton).focus();
      } }, t("admin.params.sso.mapping.remove")) : null;
    const node = h("fieldset", { class: "mapping" }, legend,
      h("div", { class: "mapping-head" }, h("div", { class: "form-grid" }, provider, group), row.remove),
      roles, network, facilityGroup);
    row.read = () => ({
      provider: provider.input.value,
      group: group.input.value.trim(),
      roles: roles.values(),
      networkAccess: network.input.checked,
      facilityIds: facilityGroup.values ? facilityGroup.values() : (m.facilityIds || []),
    });
    rows.push(row);
    list.append(node);
    relabel();
    if (focus) controlOf(group).focus();
  };

  const addButton = h("button", { type: "button", class: "secondary", onclick: () => add({}, true) },
    t("admin.params.sso.mapping.add"));
  for (const m of sso.groupMappings || []) add(m, false);
  relabel();

  const hintId = uid("mappings-hint");
  const node = h("div", { class: "param-sub", role: "group", "aria-labelledby": `${hintId}-h`, "aria-describedby": hintId },
    h("h3", { id: `${hintId}-h` }, t("admin.params.sso.mappings")),
    h("p", { class: "hint panel-intro", id: hintId }, t("admin.params.sso.mappingsHint")),
    none, list,
    editable ? h("div", { class: "actions" }, addButton) : null);

  return {
    node,
    values(problems) {
      return rows.map((row, i) => {
        const v = row.read();
        const bytes = new Blob([v.group]).size;
        if (bytes < 1) problems.push([`sso.groupMappings[${i}].group`, t("admin.params.sso.mapping.groupRequired")]);
        if (bytes > 256) problems.push([`sso.groupMappings[${i}].group`, t("admin.params.sso.mapping.groupTooLong")]);
        return v;
      });
    },
  };
}
