// English and German. Each screen module registers its own strings with
// register({en: {...}, de: {...}}); t(key, params) looks a key up in the
// current locale, falls back to English, and fills {name} placeholders.
// Strings are plain text: they are always inserted as text nodes.

export const locales = ["en", "de"];
const catalogue = { en: {}, de: {} };
let current = "en";

/**
 * register adds a module's strings. Keys are unique across modules: a key
 * registered before (by any module) throws, naming the key, and nothing of
 * this call is added.
 */
export function register(strings) {
  for (const loc of locales) {
    for (const key of Object.keys(strings[loc] || {})) {
      if (Object.hasOwn(catalogue[loc], key)) throw new Error(`i18n: the key "${key}" (${loc}) is registered twice`);
    }
  }
  for (const loc of locales) Object.assign(catalogue[loc], strings[loc] || {});
}

/** registeredKeys lists the keys of a locale's catalogue, sorted (for tests). */
export function registeredKeys(loc) {
  return Object.keys(catalogue[loc] || {}).sort();
}

/** t translates key, filling {placeholders} from params. */
export function t(key, params = {}) {
  const text = catalogue[current][key] ?? catalogue.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** locale is the current locale. */
export function locale() {
  return current;
}

/**
 * setLocale switches the locale and marks the document. A person's own
 * choice is remembered on this device; a default (remember: false) is not.
 */
export function setLocale(loc, { remember = true } = {}) {
  current = locales.includes(loc) ? loc : "en";
  document.documentElement.lang = current;
  if (!remember) return;
  try { localStorage.setItem("gatepass.locale", current); } catch { /* private mode */ }
}

/** savedLocale is the choice made on this device, "" when none. */
export function savedLocale() {
  let saved = null;
  try { saved = localStorage.getItem("gatepass.locale"); } catch { /* private mode */ }
  return saved && locales.includes(saved) ? saved : "";
}

/** initialLocale: the device's choice, else the browser's language. */
export function initialLocale() {
  const saved = savedLocale();
  if (saved) return saved;
  const nav = (navigator.language || "en").slice(0, 2).toLowerCase();
  return locales.includes(nav) ? nav : "en";
}

register({
  en: {
    "app.name": "Backoffice",
    "common.loading": "Loading…",
    "common.save": "Save",
    "common.cancel": "Cancel",
    "common.close": "Close",
    "common.back": "Back",
    "common.continue": "Continue",
    "common.yes": "Yes",
    "common.no": "No",
    "common.none": "None",
    "common.language": "Language",
    "common.skip": "Skip to content",
    "error.invalid_request": "Please check your entries.",
    "error.unsupported_media_type": "The request could not be sent. Reload the page and try again.",
    "error.payload_too_large": "That is too much text.",
    "error.invalid_credentials": "The username or password is incorrect.",
    "error.unauthenticated": "Your session has ended. Please sign in again.",
    "error.invalid_code": "That code is not right. Check your authenticator app and try again.",
    "error.challenge_invalid": "The sign-in took too long or was used up. Please sign in again.",
    "error.current_password_invalid": "Your current password is incorrect.",
    "error.password_mismatch": "The two passwords differ.",
    "error.password_policy": "Choose a different password.",
    "error.mfa_enrolment_required": "Set up two-factor authentication first.",
    "error.token_invalid": "This link is no longer valid. Ask for a new one.",
    "error.forbidden": "You are not allowed to do that.",
    "error.password_change_required": "Choose your own password first.",
    "error.sso_account": "This account signs in with single sign-on; its password is managed there.",
    "error.step_up_required": "Nothing was changed: confirm it's you to make this change.",
    "error.mfa_required_by_policy": "Two-factor authentication is required for your role and can't be removed.",
    "error.not_found": "That does not exist (any more).",
    "error.conflict": "That conflicts with existing data.",
    "error.too_many_requests": "Too many attempts. Please wait {seconds} seconds and try again.",
    "error.internal": "Something went wrong on our side. Please try again.",
    "error.unavailable": "The service is briefly unavailable. Please try again.",
    "error.network": "The Backoffice can't be reached. Check your connection.",
    "error.unknown": "That did not work. Please try again.",
    "violation.required": "is required",
    "violation.too_short": "is too short",
    "violation.too_long": "is too long",
    "violation.common": "is one of the most common passwords",
    "violation.contains_context": "contains your name or the organisation's name",
    "violation.reused": "was used before",
    "violation.missing_uppercase": "needs an uppercase letter",
    "violation.missing_lowercase": "needs a lowercase letter",
    "violation.missing_digit": "needs a digit",
    "violation.missing_symbol": "needs a symbol",
    "violation.invalid": "is not valid",
    "violation.out_of_range": "is out of range",
  },
  de: {
    "app.name": "Backoffice",
    "common.loading": "Wird geladen …",
    "common.save": "Speichern",
    "common.cancel": "Abbrechen",
    "common.close": "Schließen",
    "common.back": "Zurück",
    "common.continue": "Weiter",
    "common.yes": "Ja",
    "common.no": "Nein",
    "common.none": "Keine",
    "common.language": "Sprache",
    "common.skip": "Zum Inhalt springen",
    "error.invalid_request": "Bitte prüfen Sie Ihre Eingaben.",
    "error.unsupported_media_type": "Die Anfrage konnte nicht gesendet werden. Laden Sie die Seite neu und versuchen Sie es erneut.",
    "error.payload_too_large": "Das ist zu viel Text.",
    "error.invalid_credentials": "Benutzername oder Passwort ist falsch.",
    "error.unauthenticated": "Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.",
    "error.invalid_code": "Der Code stimmt nicht. Prüfen Sie Ihre Authenticator-App und versuchen Sie es erneut.",
    "error.challenge_invalid": "Die Anmeldung hat zu lange gedauert oder wurde schon verwendet. Bitte melden Sie sich erneut an.",
    "error.current_password_invalid": "Ihr aktuelles Passwort ist falsch.",
    "error.password_mismatch": "Die beiden Passwörter stimmen nicht überein.",
    "error.password_policy": "Wählen Sie ein anderes Passwort.",
    "error.mfa_enrolment_required": "Richten Sie zuerst die Zwei-Faktor-Authentifizierung ein.",
    "error.token_invalid": "Dieser Link ist nicht mehr gültig. Fordern Sie einen neuen an.",
    "error.forbidden": "Dazu sind Sie nicht berechtigt.",
    "error.password_change_required": "Wählen Sie zuerst Ihr eigenes Passwort.",
    "error.sso_account": "Dieses Konto meldet sich per Single Sign-on an; sein Passwort wird dort verwaltet.",
    "error.step_up_required": "Es wurde nichts geändert: Bestätigen Sie Ihre Identität, um diese Änderung vorzunehmen.",
    "error.mfa_required_by_policy": "Zwei-Faktor-Authentifizierung ist für Ihre Rolle vorgeschrieben und kann nicht entfernt werden.",
    "error.not_found": "Das gibt es nicht (mehr).",
    "error.conflict": "Das steht im Konflikt mit vorhandenen Daten.",
    "error.too_many_requests": "Zu viele Versuche. Bitte warten Sie {seconds} Sekunden und versuchen Sie es erneut.",
    "error.internal": "Bei uns ist etwas schiefgegangen. Bitte versuchen Sie es erneut.",
    "error.unavailable": "Der Dienst ist kurz nicht verfügbar. Bitte versuchen Sie es erneut.",
    "error.network": "Das Backoffice ist nicht erreichbar. Prüfen Sie Ihre Verbindung.",
    "error.unknown": "Das hat nicht geklappt. Bitte versuchen Sie es erneut.",
    "violation.required": "ist erforderlich",
    "violation.too_short": "ist zu kurz",
    "violation.too_long": "ist zu lang",
    "violation.common": "gehört zu den häufigsten Passwörtern",
    "violation.contains_context": "enthält Ihren Namen oder den Namen der Organisation",
    "violation.reused": "wurde schon einmal verwendet",
    "violation.missing_uppercase": "braucht einen Großbuchstaben",
    "violation.missing_lowercase": "braucht einen Kleinbuchstaben",
    "violation.missing_digit": "braucht eine Ziffer",
    "violation.missing_symbol": "braucht ein Sonderzeichen",
    "violation.invalid": "ist ungültig",
    "violation.out_of_range": "liegt außerhalb des erlaubten Bereichs",
  },
});
