// #/account — account settings: profile, password, two-factor
// authentication, sessions and language. Each section redraws itself after
// an action, so a success message stays next to what it is about.
import { api, message, violations } from "../api.js";
import { errorBox, field, formatDate, h, replace } from "../dom.js";
import { locale, locales, register, setLocale, t } from "../i18n.js";
import { route } from "../router.js";
import { refreshSession, state } from "../state.js";
import { cancelButton, confirmDialog, openDialog } from "./common/dialog.js";
import { busyForm, clearFieldErrors, focusLater, setFieldError, whenAttached } from "./common/forms.js";
import { describeAgent, noticeBox, roleBadges } from "./common/layout.js";
import { codeField, readCode, recoveryCodesTitle, recoveryCodesView, totpEnrolment } from "./common/mfa.js";
import { newPasswordFields, passwordField, submitPasswordChange } from "./common/password.js";
import { lastSignInValue } from "./home.js";
import { cancelled, create, supported } from "../webauthn.js";

register({
  en: {
    "account.title": "Account settings",
    "account.intro": "Manage how you sign in to the Backoffice.",
    "account.profile": "Profile",
    "account.profile.hint": "Your administrator manages these details.",
    "account.name": "Name",
    "account.username": "Username",
    "account.email": "Email",
    "account.email.none": "No email address",
    "account.roles": "Roles",
    "account.lastLogin": "Previous sign-in",
    "account.lastLogin.none": "None before this one",
    "account.signin": "Sign-in method",
    "account.signin.sso": "Single sign-on",
    "account.signin.local": "Username and password",
    "account.password": "Password",
    "account.password.text": "Use a long passphrase you don't use anywhere else. Changing it signs out your other sessions.",
    "account.password.change": "Change password",
    "account.password.sso": "Your account signs in with single sign-on. Your password is managed by your company's identity provider, not here.",
    "account.password.current": "Current password",
    "account.password.current.required": "Enter your current password.",
    "account.password.done": "Your password was changed. Your other sessions were signed out.",
    "account.password.submit": "Change password",
    "account.mfa": "Two-factor authentication",
    "account.mfa.on": "On",
    "account.mfa.off": "Off",
    "account.mfa.off.text": "Add a second step to signing in: a 6-digit code from an authenticator app on your phone. Even if someone learns your password, they can't sign in without it.",
    "account.mfa.since": "Turned on {date}.",
    "account.mfa.on.text": "When you sign in, you enter a code from your authenticator app after your password.",
    "account.mfa.codes": "Recovery codes left: {n}",
    "account.mfa.codes.low": "Only {n} recovery codes left. Create new ones so you don't get locked out.",
    "account.mfa.setup": "Set up two-factor authentication",
    "account.mfa.newcodes": "New recovery codes",
    "account.mfa.newcodes.text": "Your current recovery codes stop working as soon as the new ones are created. Enter your password to continue.",
    "account.mfa.newcodes.submit": "Create new codes",
    "account.mfa.newcodes.done": "Done",
    "account.mfa.remove": "Remove two-factor",
    "account.mfa.remove.title": "Remove two-factor authentication?",
    "account.mfa.remove.text": "Signing in will only need your password. Confirm with your password or a current code from your app.",
    "account.mfa.remove.submit": "Remove two-factor",
    "account.mfa.remove.usecode": "Confirm with a code from the app instead",
    "account.mfa.remove.usepassword": "Confirm with your password instead",
    "account.mfa.removed": "Two-factor authentication was removed.",
    "account.mfa.enabled": "Two-factor authentication is on. You'll be asked for a code at your next sign-in.",
    "account.mfa.policy": "Your role requires two-factor authentication, so it can't be removed. You can still create new recovery codes.",
    "account.mfa.sso": "Your identity provider handles two-factor authentication for single sign-on accounts.",
    "account.mfa.setup.app": "Set up an authenticator app",
    "account.mfa.passkeys.only": "Your passkeys are your second step when you sign in with your password. You can also use a 6-digit code from an authenticator app.",
    "account.mfa.on.text.both": "When you sign in with your password, you then use your passkey or a code from your authenticator app.",
    "account.mfa.remove.app": "Remove authenticator app",
    "account.mfa.remove.app.title": "Remove the authenticator app?",
    "account.mfa.remove.app.text": "Your passkeys stay your second step. Confirm with your password or a current code from your app.",
    "account.mfa.removed.app": "The authenticator app was removed. Your passkeys stay your second step.",
    "account.passkeys": "Passkeys",
    "account.passkeys.text": "Sign in with your fingerprint, face, screen lock or security key instead of a password — or use a passkey as the second step after your password. Passkeys can't be phished.",
    "account.passkeys.none": "You have no passkeys yet.",
    "account.passkeys.list": "Your passkeys",
    "account.passkeys.added": "Added {date}",
    "account.passkeys.used": "Last used {when}",
    "account.passkeys.unused": "Not used yet",
    "account.passkeys.add": "Add a passkey",
    "account.passkeys.add.text": "Enter your password to add a passkey.",
    "account.passkeys.add.prompt": "Follow your browser's prompt to create the passkey.",
    "account.passkeys.add.cancelled": "No passkey was created. You can try again.",
    "account.passkeys.add.exists": "This browser or security key already holds a passkey for your account.",
    "account.passkeys.add.failed": "Your browser couldn't create the passkey. You can try again.",
    "account.passkeys.add.retry": "Try again",
    "account.passkeys.add.name.text": "Your passkey is ready. Give it a name, so you can tell your passkeys apart.",
    "account.passkeys.add.invalid": "The passkey couldn't be verified. Please start again.",
    "account.passkeys.add.conflict": "This passkey is already registered.",
    "account.passkeys.add.restart": "Start again",
    "account.passkeys.name": "Name",
    "account.passkeys.name.hint": "For example “Work laptop” or “Security key”.",
    "account.passkeys.name.required": "Enter a name.",
    "account.passkeys.name.default": "Passkey",
    "account.passkeys.save": "Save",
    "account.passkeys.done.added": "The passkey was added. You can now sign in with it.",
    "account.passkeys.rename": "Rename",
    "account.passkeys.rename.label": "Rename the passkey {name}",
    "account.passkeys.rename.title": "Rename the passkey",
    "account.passkeys.done.renamed": "The passkey was renamed.",
    "account.passkeys.remove": "Remove",
    "account.passkeys.remove.label": "Remove the passkey {name}",
    "account.passkeys.remove.title": "Remove the passkey “{name}”?",
    "account.passkeys.remove.text": "You can no longer sign in with it. Enter your password to confirm.",
    "account.passkeys.remove.last": "It is your only second factor: after this, signing in needs only your password.",
    "account.passkeys.remove.submit": "Remove passkey",
    "account.passkeys.done.removed": "The passkey was removed.",
    "account.passkeys.policy": "Your role requires two-factor authentication and this is your only second factor, so it can't be removed. Add another passkey or an authenticator app first.",
    "account.passkeys.unsupported": "This browser can't create passkeys.",
    "account.passkeys.sso": "Your identity provider handles how single sign-on accounts sign in.",
    "account.devices": "Remembered devices",
    "account.devices.text": "Browsers where you ticked “Remember this browser” at the second step of signing in. They skip that step for a while; the password is always asked.",
    "account.devices.none": "No browser is remembered.",
    "account.devices.list": "Remembered browsers",
    "account.devices.this": "This browser",
    "account.devices.remembered": "Remembered {date}",
    "account.devices.used": "Last used {when}",
    "account.devices.forget": "Forget",
    "account.devices.forget.label": "Forget {device}, remembered {date}",
    "account.devices.forget.all": "Forget all browsers",
    "account.devices.forget.all.confirm": "Forget all remembered browsers?",
    "account.devices.forget.all.text": "Every browser, this one included, asks for the second step again at the next sign-in.",
    "account.devices.forgotten": "The browser was forgotten. It asks for the second step again at the next sign-in.",
    "account.devices.forgotten.all": "All browsers were forgotten. Each asks for the second step again at the next sign-in.",
    "account.sessions": "Sessions",
    "account.sessions.text": "Where you're signed in. Sign out any session you don't recognise and change your password.",
    "account.sessions.this": "This device",
    "account.sessions.ip": "IP address {ip}",
    "account.sessions.created": "Signed in {date}",
    "account.sessions.seen": "Last active {when}",
    "account.sessions.unknown": "Unknown device",
    "account.sessions.signout": "Sign out",
    "account.sessions.signout.label": "Sign out the session of {device}, last active {when}",
    "account.sessions.signout.all": "Sign out all other sessions",
    "account.sessions.signout.all.confirm": "Sign out everywhere else?",
    "account.sessions.signout.all.text": "All your other sessions end immediately. This device stays signed in.",
    "account.sessions.revoked": "The session was signed out.",
    "account.sessions.revoked.all": "All other sessions were signed out.",
    "account.sessions.only": "This is your only session.",
    "account.language": "Language",
    "account.language.text": "The language of the Backoffice on this device.",
    "account.now": "just now",
    "account.sections": "Sections",
  },
  de: {
    "account.title": "Kontoeinstellungen",
    "account.intro": "Verwalten Sie, wie Sie sich beim Backoffice anmelden.",
    "account.profile": "Profil",
    "account.profile.hint": "Diese Angaben verwaltet Ihre Administration.",
    "account.name": "Name",
    "account.username": "Benutzername",
    "account.email": "E-Mail",
    "account.email.none": "Keine E-Mail-Adresse",
    "account.roles": "Rollen",
    "account.lastLogin": "Vorherige Anmeldung",
    "account.lastLogin.none": "Keine vor dieser",
    "account.signin": "Anmeldeverfahren",
    "account.signin.sso": "Single Sign-on",
    "account.signin.local": "Benutzername und Passwort",
    "account.password": "Passwort",
    "account.password.text": "Verwenden Sie eine lange Passphrase, die Sie nirgendwo sonst nutzen. Eine Änderung meldet Ihre anderen Sitzungen ab.",
    "account.password.change": "Passwort ändern",
    "account.password.sso": "Ihr Konto meldet sich per Single Sign-on an. Ihr Passwort wird vom Identitätsanbieter Ihres Unternehmens verwaltet, nicht hier.",
    "account.password.current": "Aktuelles Passwort",
    "account.password.current.required": "Geben Sie Ihr aktuelles Passwort ein.",
    "account.password.done": "Ihr Passwort wurde geändert. Ihre anderen Sitzungen wurden abgemeldet.",
    "account.password.submit": "Passwort ändern",
    "account.mfa": "Zwei-Faktor-Authentifizierung",
    "account.mfa.on": "Ein",
    "account.mfa.off": "Aus",
    "account.mfa.off.text": "Ergänzen Sie die Anmeldung um einen zweiten Schritt: einen 6-stelligen Code aus einer Authenticator-App auf Ihrem Smartphone. Selbst wer Ihr Passwort kennt, kann sich ohne ihn nicht anmelden.",
    "account.mfa.since": "Eingeschaltet am {date}.",
    "account.mfa.on.text": "Bei der Anmeldung geben Sie nach dem Passwort einen Code aus Ihrer Authenticator-App ein.",
    "account.mfa.codes": "Verbleibende Wiederherstellungscodes: {n}",
    "account.mfa.codes.low": "Nur noch {n} Wiederherstellungscodes. Erzeugen Sie neue, damit Sie sich nicht aussperren.",
    "account.mfa.setup": "Zwei-Faktor-Authentifizierung einrichten",
    "account.mfa.newcodes": "Neue Wiederherstellungscodes",
    "account.mfa.newcodes.text": "Ihre bisherigen Wiederherstellungscodes werden ungültig, sobald die neuen erzeugt sind. Geben Sie zum Fortfahren Ihr Passwort ein.",
    "account.mfa.newcodes.submit": "Neue Codes erzeugen",
    "account.mfa.newcodes.done": "Fertig",
    "account.mfa.remove": "Zwei-Faktor entfernen",
    "account.mfa.remove.title": "Zwei-Faktor-Authentifizierung entfernen?",
    "account.mfa.remove.text": "Zur Anmeldung genügt dann Ihr Passwort. Bestätigen Sie mit Ihrem Passwort oder einem aktuellen Code aus Ihrer App.",
    "account.mfa.remove.submit": "Zwei-Faktor entfernen",
    "account.mfa.remove.usecode": "Stattdessen mit einem Code aus der App bestätigen",
    "account.mfa.remove.usepassword": "Stattdessen mit Ihrem Passwort bestätigen",
    "account.mfa.removed": "Die Zwei-Faktor-Authentifizierung wurde entfernt.",
    "account.mfa.enabled": "Die Zwei-Faktor-Authentifizierung ist eingeschaltet. Bei der nächsten Anmeldung werden Sie nach einem Code gefragt.",
    "account.mfa.policy": "Ihre Rolle erfordert die Zwei-Faktor-Authentifizierung, daher kann sie nicht entfernt werden. Neue Wiederherstellungscodes können Sie weiterhin erzeugen.",
    "account.mfa.sso": "Bei Single-Sign-on-Konten übernimmt Ihr Identitätsanbieter die Zwei-Faktor-Authentifizierung.",
    "account.mfa.setup.app": "Authenticator-App einrichten",
    "account.mfa.passkeys.only": "Ihre Passkeys sind Ihr zweiter Schritt, wenn Sie sich mit Ihrem Passwort anmelden. Sie können auch einen 6-stelligen Code aus einer Authenticator-App verwenden.",
    "account.mfa.on.text.both": "Wenn Sie sich mit Ihrem Passwort anmelden, verwenden Sie danach Ihren Passkey oder einen Code aus Ihrer Authenticator-App.",
    "account.mfa.remove.app": "Authenticator-App entfernen",
    "account.mfa.remove.app.title": "Authenticator-App entfernen?",
    "account.mfa.remove.app.text": "Ihre Passkeys bleiben Ihr zweiter Schritt. Bestätigen Sie mit Ihrem Passwort oder einem aktuellen Code aus Ihrer App.",
    "account.mfa.removed.app": "Die Authenticator-App wurde entfernt. Ihre Passkeys bleiben Ihr zweiter Schritt.",
    "account.passkeys": "Passkeys",
    "account.passkeys.text": "Melden Sie sich statt mit einem Passwort mit Fingerabdruck, Gesicht, Bildschirmsperre oder Sicherheitsschlüssel an – oder nutzen Sie einen Passkey als zweiten Schritt nach dem Passwort. Passkeys lassen sich nicht abfischen.",
    "account.passkeys.none": "Sie haben noch keine Passkeys.",
    "account.passkeys.list": "Ihre Passkeys",
    "account.passkeys.added": "Hinzugefügt am {date}",
    "account.passkeys.used": "Zuletzt verwendet {when}",
    "account.passkeys.unused": "Noch nicht verwendet",
    "account.passkeys.add": "Passkey hinzufügen",
    "account.passkeys.add.text": "Geben Sie Ihr Passwort ein, um einen Passkey hinzuzufügen.",
    "account.passkeys.add.prompt": "Folgen Sie der Aufforderung Ihres Browsers, um den Passkey zu erstellen.",
    "account.passkeys.add.cancelled": "Es wurde kein Passkey erstellt. Sie können es erneut versuchen.",
    "account.passkeys.add.exists": "Dieser Browser oder Sicherheitsschlüssel enthält bereits einen Passkey für Ihr Konto.",
    "account.passkeys.add.failed": "Ihr Browser konnte den Passkey nicht erstellen. Sie können es erneut versuchen.",
    "account.passkeys.add.retry": "Erneut versuchen",
    "account.passkeys.add.name.text": "Ihr Passkey ist bereit. Geben Sie ihm einen Namen, damit Sie Ihre Passkeys unterscheiden können.",
    "account.passkeys.add.invalid": "Der Passkey konnte nicht geprüft werden. Bitte beginnen Sie erneut.",
    "account.passkeys.add.conflict": "Dieser Passkey ist bereits registriert.",
    "account.passkeys.add.restart": "Neu beginnen",
    "account.passkeys.name": "Name",
    "account.passkeys.name.hint": "Zum Beispiel „Arbeitslaptop“ oder „Sicherheitsschlüssel“.",
    "account.passkeys.name.required": "Geben Sie einen Namen ein.",
    "account.passkeys.name.default": "Passkey",
    "account.passkeys.save": "Speichern",
    "account.passkeys.done.added": "Der Passkey wurde hinzugefügt. Sie können sich jetzt damit anmelden.",
    "account.passkeys.rename": "Umbenennen",
    "account.passkeys.rename.label": "Passkey {name} umbenennen",
    "account.passkeys.rename.title": "Passkey umbenennen",
    "account.passkeys.done.renamed": "Der Passkey wurde umbenannt.",
    "account.passkeys.remove": "Entfernen",
    "account.passkeys.remove.label": "Passkey {name} entfernen",
    "account.passkeys.remove.title": "Passkey „{name}“ entfernen?",
    "account.passkeys.remove.text": "Sie können sich dann nicht mehr damit anmelden. Geben Sie zur Bestätigung Ihr Passwort ein.",
    "account.passkeys.remove.last": "Er ist Ihr einziger zweiter Faktor: Danach genügt zur Anmeldung Ihr Passwort.",
    "account.passkeys.remove.submit": "Passkey entfernen",
    "account.passkeys.done.removed": "Der Passkey wurde entfernt.",
    "account.passkeys.policy": "Ihre Rolle erfordert die Zwei-Faktor-Authentifizierung, und dies ist Ihr einziger zweiter Faktor. Er kann daher nicht entfernt werden. Fügen Sie zuerst einen weiteren Passkey oder eine Authenticator-App hinzu.",
    "account.passkeys.unsupported": "Dieser Browser kann keine Passkeys erstellen.",
    "account.passkeys.sso": "Bei Single-Sign-on-Konten regelt Ihr Identitätsanbieter die Anmeldung.",
    "account.devices": "Gemerkte Geräte",
    "account.devices.text": "Browser, in denen Sie beim zweiten Anmeldeschritt „Diesen Browser merken“ angekreuzt haben. Sie überspringen diesen Schritt eine Zeit lang; das Passwort wird immer abgefragt.",
    "account.devices.none": "Es ist kein Browser gemerkt.",
    "account.devices.list": "Gemerkte Browser",
    "account.devices.this": "Dieser Browser",
    "account.devices.remembered": "Gemerkt am {date}",
    "account.devices.used": "Zuletzt verwendet {when}",
    "account.devices.forget": "Vergessen",
    "account.devices.forget.label": "{device} vergessen, gemerkt am {date}",
    "account.devices.forget.all": "Alle Browser vergessen",
    "account.devices.forget.all.confirm": "Alle gemerkten Browser vergessen?",
    "account.devices.forget.all.text": "Jeder Browser, auch dieser, fragt bei der nächsten Anmeldung wieder nach dem zweiten Schritt.",
    "account.devices.forgotten": "Der Browser wurde vergessen. Er fragt bei der nächsten Anmeldung wieder nach dem zweiten Schritt.",
    "account.devices.forgotten.all": "Alle Browser wurden vergessen. Jeder fragt bei der nächsten Anmeldung wieder nach dem zweiten Schritt.",
    "account.sessions": "Sitzungen",
    "account.sessions.text": "Wo Sie angemeldet sind. Melden Sie jede Sitzung ab, die Sie nicht kennen, und ändern Sie Ihr Passwort.",
    "account.sessions.this": "Dieses Gerät",
    "account.sessions.ip": "IP-Adresse {ip}",
    "account.sessions.created": "Angemeldet am {date}",
    "account.sessions.seen": "Zuletzt aktiv {when}",
    "account.sessions.unknown": "Unbekanntes Gerät",
    "account.sessions.signout": "Abmelden",
    "account.sessions.signout.label": "Sitzung auf {device} abmelden, zuletzt aktiv {when}",
    "account.sessions.signout.all": "Alle anderen Sitzungen abmelden",
    "account.sessions.signout.all.confirm": "Überall sonst abmelden?",
    "account.sessions.signout.all.text": "Alle Ihre anderen Sitzungen enden sofort. Dieses Gerät bleibt angemeldet.",
    "account.sessions.revoked": "Die Sitzung wurde abgemeldet.",
    "account.sessions.revoked.all": "Alle anderen Sitzungen wurden abgemeldet.",
    "account.sessions.only": "Dies ist Ihre einzige Sitzung.",
    "account.language": "Sprache",
    "account.language.text": "Die Sprache des Backoffice auf diesem Gerät.",
    "account.now": "gerade eben",
    "account.sections": "Abschnitte",
  },
});

const policy = () => (state.config && state.config.passwordPolicy) || { minLength: 15, maxLength: 128 };

/** relative renders "5 minutes ago" / "vor 5 Minuten". */
function relative(iso) {
  if (!iso) return "";
  const diff = (new Date(iso).getTime() - Date.now()) / 1000;
  // A server clock a little ahead of this one is "just now", not "in 1 minute".
  if (diff > -60) return t("account.now");
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const steps = [["minute", 60], ["hour", 3600], ["day", 86400]];
  let unit = "minute";
  let value = diff / 60;
  for (const [u, s] of steps) {
    if (Math.abs(diff) >= s) { unit = u; value = diff / s; }
  }
  if (Math.abs(diff) >= 7 * 86400) return formatDate(iso, locale());
  return rtf.format(Math.round(value), unit);
}

function section(id, title, ...children) {
  return h("section", { class: "panel account-section", id: `account-${id}`, "aria-labelledby": `account-${id}-h`, "data-section": id },
    h("h2", { id: `account-${id}-h` }, title), ...children);
}

/* ---------- Profile ---------- */

function profile() {
  const u = state.session.user;
  const row = (label, value) => h("div", { class: "prop" }, h("dt", {}, label), h("dd", {}, value));
  return section("profile", t("account.profile"),
    h("dl", { class: "props" },
      row(t("account.name"), u.displayName || u.username),
      row(t("account.username"), h("span", { class: "mono" }, u.username)),
      row(t("account.email"), u.email || h("span", { class: "muted" }, t("account.email.none"))),
      row(t("account.roles"), h("span", { class: "badges" }, roleBadges(u.roles))),
      row(t("account.signin"), u.sso ? t("account.signin.sso") : t("account.signin.local")),
      row(t("account.lastLogin"), lastSignInValue(u) || h("span", { class: "muted" }, t("account.lastLogin.none")))),
    h("p", { class: "hint" }, t("account.profile.hint")));
}

/* ---------- Password ---------- */

function passwordSection(onChanged) {
  const box = h("div", {});
  const draw = (notice = "") => {
    if (state.session.user.sso) {
      replace(box, h("p", { class: "muted" }, t("account.password.sso")));
      return;
    }
    const open = h("button", { type: "button", class: "secondary", "data-action": "change-password" }, t("account.password.change"));
    open.addEventListener("click", () => changePasswordDialog(open, () => { draw(t("account.password.done")); onChanged(); }));
    replace(box, noticeBox("success", notice), h("p", { class: "muted" }, t("account.password.text")), h("div", { class: "actions" }, open));
  };
  draw();
  return section("password", t("account.password"), box);
}

function changePasswordDialog(opener, onDone) {
  openDialog({
    opener,
    title: t("account.password.change"),
    content: (dlg) => {
      const err = errorBox();
      const current = passwordField({ label: t("account.password.current"), name: "currentPassword", autocomplete: "current-password" });
      current.input.addEventListener("input", () => setFieldError(current, ""));
      const pw = newPasswordFields({ policy: policy() });
      const userHint = h("input", { type: "text", name: "username", autocomplete: "username", value: state.session.user.username,
        hidden: true, readonly: true, tabindex: "-1", "aria-hidden": "true" });
      const form = h("form", { novalidate: true, "data-testid": "change-password-dialog" }, err, userHint, current, ...pw.nodes,
        h("div", { class: "actions end" }, cancelButton(dlg), h("button", { type: "submit" }, t("account.password.submit"))));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        err.set("");
        clearFieldErrors(form);
        if (!current.input.value) { setFieldError(current, t("account.password.current.required")); focusLater(current.input); return; }
        if (!pw.check()) return;
        busyForm(form, async () => {
          const { res, handled } = await submitPasswordChange({ current, pw, err });
          if (res.ok) { dlg.close(true); onDone(); return; }
          if (!handled) err.set(message(res));
        });
      });
      return form;
    },
  });
}

/* ---------- Two-factor ---------- */

/** mfaInfo reads GET api/auth/mfa: {totpOn, passkeys, remaining} (or {res} when it failed). */
async function mfaInfo() {
  const res = await api("GET", "api/auth/mfa");
  if (!res.ok) return { res };
  const info = res.body || {};
  return {
    totp: info.totp || {},
    totpOn: Boolean(info.totp && info.totp.enabled),
    passkeys: Array.isArray(info.passkeys) ? info.passkeys : [],
    remaining: info.recoveryCodes ? info.recoveryCodes.remaining : null,
  };
}

/** mfaSection is the overview (on/off counts TOTP and passkeys alike), the authenticator app and the recovery codes. */
function mfaSection(onChanged) {
  const box = h("div", { class: "mfa-box" });
  const sec = section("mfa", t("account.mfa"), box);

  const draw = async (notice = "", kind = "success") => {
    if (state.session.user.sso) {
      replace(box, h("p", { class: "muted" }, t("account.mfa.sso")));
      return;
    }
    const info = await mfaInfo();
    if (info.res) {
      replace(box, noticeBox("error", message(info.res)));
      return;
    }
    const hasPasskeys = info.passkeys.length > 0;
    const on = info.totpOn || hasPasskeys;
    const badge = h("span", { class: on ? "badge ok" : "badge", "data-testid": "mfa-status" }, on ? t("account.mfa.on") : t("account.mfa.off"));
    const heading = sec.querySelector("h2");
    heading.replaceChildren(t("account.mfa"), " ", badge);

    const remaining = on ? info.remaining : null;
    const low = remaining !== null && remaining !== undefined && remaining <= 3;
    const codesLine = remaining !== null && remaining !== undefined
      ? (low
        ? h("p", { class: "warning", "data-testid": "codes-remaining" }, t("account.mfa.codes.low", { n: remaining }))
        : h("p", { class: "muted", "data-testid": "codes-remaining" }, t("account.mfa.codes", { n: remaining })))
      : null;
    const newCodes = h("button", { type: "button", class: "secondary", "data-action": "new-codes" }, t("account.mfa.newcodes"));
    newCodes.addEventListener("click", () => newCodesDialog(newCodes, () => draw()));

    if (!info.totpOn) {
      const start = h("button", { type: "button", class: "primary", "data-action": "mfa-setup" },
        hasPasskeys ? t("account.mfa.setup.app") : t("account.mfa.setup"));
      start.addEventListener("click", () => {
        if (!on) heading.replaceChildren(t("account.mfa")); // no "Off" badge while it is being turned on
        const flow = totpEnrolment({
          headingLevel: 3,
          onCancel: () => draw(),
          onDone: async () => {
            await refreshSession();
            await draw(t("account.mfa.enabled"));
            box.querySelector("button") && box.querySelector("button").focus();
            onChanged();
          },
        });
        replace(box, flow);
        const first = flow.querySelector("input");
        if (first) first.focus();
      });
      replace(box, noticeBox(kind, notice),
        h("p", { class: "muted" }, hasPasskeys ? t("account.mfa.passkeys.only") : t("account.mfa.off.text")),
        codesLine,
        h("div", { class: "actions" }, start, on ? newCodes : null));
      return;
    }

    const remove = h("button", { type: "button", class: "secondary danger-quiet", "data-action": "remove-mfa" },
      hasPasskeys ? t("account.mfa.remove.app") : t("account.mfa.remove"));
    remove.addEventListener("click", () => removeDialog(remove, hasPasskeys, async (ok, policyBlocked) => {
      if (ok) {
        await refreshSession();
        await draw(hasPasskeys ? t("account.mfa.removed.app") : t("account.mfa.removed"));
        onChanged();
      } else if (policyBlocked) {
        await draw(t("account.mfa.policy"), "warning");
      }
    }));
    replace(box,
      noticeBox(kind, notice),
      h("p", {}, hasPasskeys ? t("account.mfa.on.text.both") : t("account.mfa.on.text"), " ",
        info.totp.enrolledAt ? t("account.mfa.since", { date: formatDate(info.totp.enrolledAt, locale()) }) : ""),
      codesLine,
      h("div", { class: "actions" }, newCodes, remove));
  };
  sec.redraw = draw;
  sec.ready = draw();
  return sec;
}

function newCodesDialog(opener, onDone) {
  openDialog({
    opener,
    title: t("account.mfa.newcodes"),
    wide: true,
    onClose: () => onDone(),
    content: (dlg) => {
      const err = errorBox();
      const pw = passwordField({ label: t("account.password.current"), name: "password", autocomplete: "current-password" });
      pw.input.addEventListener("input", () => setFieldError(pw, ""));
      const form = h("form", { novalidate: true, "data-testid": "new-codes-dialog" },
        h("p", {}, t("account.mfa.newcodes.text")), err, pw,
        h("div", { class: "actions end" }, cancelButton(dlg), h("button", { type: "submit" }, t("account.mfa.newcodes.submit"))));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        err.set("");
        clearFieldErrors(form);
        if (!pw.input.value) { setFieldError(pw, t("account.password.current.required")); focusLater(pw.input); return; }
        busyForm(form, async () => {
          const res = await api("POST", "api/auth/mfa/recovery-codes", { password: pw.input.value });
          if (res.ok) {
            dlg.setTitle(recoveryCodesTitle());
            dlg.setContent(recoveryCodesView({
              codes: res.body.recoveryCodes || [], headingLevel: 0, onDone: () => dlg.close(true),
            }));
            return;
          }
          pw.input.value = "";
          if (res.code === "current_password_invalid") { setFieldError(pw, message(res)); focusLater(pw.input); return; }
          err.set(message(res));
        });
      });
      return form;
    },
  });
}

function removeDialog(opener, passkeysStay, onDone) {
  let policyBlocked = false;
  openDialog({
    opener,
    title: passkeysStay ? t("account.mfa.remove.app.title") : t("account.mfa.remove.title"),
    onClose: (ok) => onDone(ok === true, policyBlocked),
    content: (dlg) => {
      let useCode = false;
      const err = errorBox();
      const pw = passwordField({ label: t("account.password.current"), name: "password", autocomplete: "current-password" });
      pw.input.addEventListener("input", () => setFieldError(pw, ""));
      const code = codeField();
      const slot = h("div", {}, pw);
      const toggle = h("button", { type: "button", class: "link-button", "data-action": "toggle-method" }, t("account.mfa.remove.usecode"));
      toggle.addEventListener("click", () => {
        useCode = !useCode;
        err.set("");
        clearFieldErrors(form);
        slot.replaceChildren(useCode ? code : pw);
        toggle.textContent = useCode ? t("account.mfa.remove.usepassword") : t("account.mfa.remove.usecode");
        (useCode ? code : pw).input.focus();
      });
      const submit = h("button", { type: "submit", class: "danger" }, passkeysStay ? t("account.mfa.remove.app") : t("account.mfa.remove.submit"));
      const form = h("form", { novalidate: true, "data-testid": "remove-mfa-dialog" },
        h("p", {}, passkeysStay ? t("account.mfa.remove.app.text") : t("account.mfa.remove.text")), err, slot, h("p", { class: "method-toggle left" }, toggle),
        h("div", { class: "actions end" }, cancelButton(dlg), submit));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        err.set("");
        clearFieldErrors(form);
        let body;
        if (useCode) {
          const v = readCode(code);
          if (!v) return;
          body = { code: v };
        } else {
          if (!pw.input.value) { setFieldError(pw, t("account.password.current.required")); focusLater(pw.input); return; }
          body = { password: pw.input.value };
        }
        busyForm(form, async () => {
          const res = await api("DELETE", "api/auth/mfa/totp", body);
          if (res.ok) { dlg.close(true); return; }
          pw.input.value = "";
          code.input.value = "";
          if (res.code === "mfa_required_by_policy") {
            policyBlocked = true;
            err.set(t("account.mfa.policy"));
            submit.hidden = true;
            toggle.hidden = true;
            slot.hidden = true;
            return;
          }
          if (res.code === "current_password_invalid" || res.code === "invalid_credentials") {
            setFieldError(pw, message({ code: "current_password_invalid" }));
            focusLater(pw.input);
            return;
          }
          if (res.code === "invalid_code") { setFieldError(code, message(res)); focusLater(code.input); return; }
          err.set(message(res));
        });
      });
      return form;
    },
  });
}

/* ---------- Passkeys ---------- */

/** defaultPasskeyName suggests a name from this browser: "Chrome · Windows". */
function defaultPasskeyName() {
  return describeAgent(navigator.userAgent) || t("account.passkeys.name.default");
}

/** nameField is the passkey name input, prefilled. */
function nameField(value) {
  const f = field({ label: t("account.passkeys.name"), name: "name", value, autocomplete: "off", required: true,
    hint: t("account.passkeys.name.hint"), attrs: { spellcheck: "false" } });
  f.input.addEventListener("input", () => setFieldError(f, ""));
  return f;
}

/** readName returns the trimmed name, or "" (and marks the field). */
function readName(f) {
  const v = f.input.value.trim();
  if (!v) { setFieldError(f, t("account.passkeys.name.required")); focusLater(f.input); }
  return v;
}

/** nameProblem shows a refused name under its field; true when it did. */
function nameProblem(res, f) {
  const found = violations(res);
  if (!found.name) return false;
  setFieldError(f, found.name);
  focusLater(f.input);
  return true;
}

function passkeysSection(onChanged) {
  const box = h("div", {});
  const sec = section("passkeys", t("account.passkeys"), h("p", { class: "muted" }, t("account.passkeys.text")), box);
  const changed = async (notice) => {
    await refreshSession(); // the session's mfa.passkeys counts them
    await draw(notice);
    const s = box.querySelector(".success");
    if (s) { s.setAttribute("tabindex", "-1"); s.focus(); }
    onChanged();
  };
  const draw = async (notice = "") => {
    if (state.session.user.sso) {
      replace(box, h("p", { class: "muted" }, t("account.passkeys.sso")));
      return;
    }
    const info = await mfaInfo();
    if (info.res) { replace(box, noticeBox("error", message(info.res))); return; }
    const onlyFactor = info.passkeys.length === 1 && !info.totpOn;
    const list = info.passkeys.length
      ? h("ul", { class: "session-list", "data-testid": "passkeys", "aria-label": t("account.passkeys.list") }, info.passkeys.map((p) => {
        const name = p.name || t("account.passkeys.name.default");
        const rename = h("button", { type: "button", class: "secondary compact", "data-action": "rename-passkey",
          "aria-label": t("account.passkeys.rename.label", { name }) }, t("account.passkeys.rename"));
        rename.addEventListener("click", () => renamePasskeyDialog(rename, p, () => changed(t("account.passkeys.done.renamed"))));
        const remove = h("button", { type: "button", class: "secondary compact danger-quiet", "data-action": "remove-passkey",
          "aria-label": t("account.passkeys.remove.label", { name }) }, t("account.passkeys.remove"));
        remove.addEventListener("click", () => removePasskeyDialog(remove, p, onlyFactor, () => changed(t("account.passkeys.done.removed"))));
        return h("li", { class: "session", "data-passkey-id": p.id },
          h("span", { class: "device-icon key", "aria-hidden": "true" }),
          h("div", { class: "session-main" },
            h("p", { class: "session-device" }, name),
            h("p", { class: "session-meta muted" },
              h("span", {}, t("account.passkeys.added", { date: formatDate(p.createdAt, locale()) })),
              h("span", {}, p.lastUsedAt ? t("account.passkeys.used", { when: relative(p.lastUsedAt) }) : t("account.passkeys.unused")))),
          h("div", { class: "row-actions" }, rename, remove));
      }))
      : h("p", { class: "muted", "data-testid": "passkeys-none" }, t("account.passkeys.none"));
    let add = null;
    if (supported()) {
      add = h("button", { type: "button", class: info.passkeys.length ? "secondary" : "primary", "data-action": "add-passkey" }, t("account.passkeys.add"));
      add.addEventListener("click", () => addPasskeyDialog(add, () => changed(t("account.passkeys.done.added"))));
    }
    replace(box, noticeBox("success", notice), list,
      add ? h("div", { class: "actions" }, add) : h("p", { class: "hint" }, t("account.passkeys.unsupported")));
  };
  sec.redraw = draw;
  sec.ready = draw();
  return sec;
}

/**
 * addPasskeyDialog: password → the browser creates the passkey → a name →
 * saved; the account's first second factor also shows its recovery codes.
 */
function addPasskeyDialog(opener, onAdded) {
  let added = false;
  openDialog({
    opener,
    title: t("account.passkeys.add"),
    onClose: () => { if (added) onAdded(); },
    content: (dlg) => {
      const stepPassword = () => {
        const err = errorBox();
        const pw = passwordField({ label: t("account.password.current"), name: "password", autocomplete: "current-password" });
        pw.input.addEventListener("input", () => setFieldError(pw, ""));
        const form = h("form", { novalidate: true, "data-testid": "add-passkey-dialog" },
          h("p", {}, t("account.passkeys.add.text")), err, pw,
          h("div", { class: "actions end" }, cancelButton(dlg), h("button", { type: "submit" }, t("common.continue"))));
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          err.set("");
          clearFieldErrors(form);
          if (!pw.input.value) { setFieldError(pw, t("account.password.current.required")); focusLater(pw.input); return; }
          busyForm(form, async () => {
            const res = await api("POST", "api/auth/passkeys/register/begin", { password: pw.input.value });
            if (res.ok && res.body) { stepCreate(res.body); return; }
            pw.input.value = "";
            if (res.code === "current_password_invalid") { setFieldError(pw, message(res)); focusLater(pw.input); return; }
            err.set(message(res));
          });
        });
        return form;
      };

      const stepCreate = async (begin) => {
        const note = h("p", { role: "status", "data-testid": "passkey-prompt" }, t("account.passkeys.add.prompt"));
        dlg.setContent(note, h("div", { class: "actions end" }, cancelButton(dlg)));
        let credential;
        try {
          credential = await create(begin.options);
        } catch (e) {
          if (!dlg.dialog.open) return;
          const exists = e && e.name === "InvalidStateError";
          const text = exists ? t("account.passkeys.add.exists") : cancelled(e) ? t("account.passkeys.add.cancelled") : t("account.passkeys.add.failed");
          const again = exists ? null : h("button", { type: "button", "data-action": "retry", onclick: () => stepCreate(begin) }, t("account.passkeys.add.retry"));
          dlg.setContent(h("div", { class: exists ? "error" : "warning", role: "alert" }, text),
            h("div", { class: "actions end" }, cancelButton(dlg, exists ? t("common.close") : t("common.cancel")), again));
          return;
        }
        if (dlg.dialog.open) stepName(begin, credential);
      };

      const stepName = (begin, credential) => {
        const err = errorBox();
        const name = nameField(defaultPasskeyName());
        const restart = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => dlg.setContent(stepPassword()) }, t("account.passkeys.add.restart"));
        const form = h("form", { novalidate: true, "data-testid": "name-passkey-dialog" },
          h("p", {}, t("account.passkeys.add.name.text")), err, name,
          h("div", { class: "actions end" }, cancelButton(dlg), restart, h("button", { type: "submit" }, t("account.passkeys.save"))));
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          err.set("");
          clearFieldErrors(form);
          const value = readName(name);
          if (!value) return;
          busyForm(form, async () => {
            const res = await api("POST", "api/auth/passkeys/register/finish", { registration: begin.registration, name: value, credential });
            if (res.ok) {
              added = true;
              const codes = (res.body && res.body.recoveryCodes) || [];
              if (!codes.length) { dlg.close(true); return; }
              dlg.setTitle(recoveryCodesTitle());
              dlg.dialog.classList.add("dialog-wide");
              dlg.setContent(recoveryCodesView({ codes, headingLevel: 0, onDone: () => dlg.close(true) }));
              return;
            }
            if (nameProblem(res, name)) return;
            if (res.code === "conflict") { err.set(t("account.passkeys.add.conflict")); return; }
            if (res.code === "invalid_request") { err.set(t("account.passkeys.add.invalid")); restart.hidden = false; return; }
            err.set(message(res));
          });
        });
        dlg.setContent(form);
        name.input.select();
      };

      return stepPassword();
    },
  });
}

function renamePasskeyDialog(opener, passkey, onDone) {
  openDialog({
    opener,
    title: t("account.passkeys.rename.title"),
    onClose: (ok) => { if (ok === true) onDone(); },
    content: (dlg) => {
      const err = errorBox();
      const name = nameField(passkey.name || "");
      const form = h("form", { novalidate: true, "data-testid": "rename-passkey-dialog" }, err, name,
        h("div", { class: "actions end" }, cancelButton(dlg), h("button", { type: "submit" }, t("account.passkeys.save"))));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        err.set("");
        clearFieldErrors(form);
        const value = readName(name);
        if (!value) return;
        busyForm(form, async () => {
          const res = await api("PATCH", `api/auth/passkeys/${encodeURIComponent(passkey.id)}`, { name: value });
          if (res.ok) { dlg.close(true); return; }
          if (nameProblem(res, name)) return;
          err.set(message(res));
        });
      });
      return form;
    },
  });
}

function removePasskeyDialog(opener, passkey, onlyFactor, onDone) {
  openDialog({
    opener,
    title: t("account.passkeys.remove.title", { name: passkey.name || t("account.passkeys.name.default") }),
    onClose: (ok) => { if (ok === true) onDone(); },
    content: (dlg) => {
      const err = errorBox();
      const pw = passwordField({ label: t("account.password.current"), name: "password", autocomplete: "current-password" });
      pw.input.addEventListener("input", () => setFieldError(pw, ""));
      const submit = h("button", { type: "submit", class: "danger" }, t("account.passkeys.remove.submit"));
      const fields = h("div", {}, pw);
      const form = h("form", { novalidate: true, "data-testid": "remove-passkey-dialog" },
        h("p", {}, t("account.passkeys.remove.text")),
        onlyFactor ? h("p", { class: "muted" }, t("account.passkeys.remove.last")) : null,
        err, fields,
        h("div", { class: "actions end" }, cancelButton(dlg), submit));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        err.set("");
        clearFieldErrors(form);
        if (!pw.input.value) { setFieldError(pw, t("account.password.current.required")); focusLater(pw.input); return; }
        busyForm(form, async () => {
          const res = await api("DELETE", `api/auth/passkeys/${encodeURIComponent(passkey.id)}`, { password: pw.input.value });
          if (res.ok) { dlg.close(true); return; }
          pw.input.value = "";
          if (res.code === "mfa_required_by_policy") {
            err.set(t("account.passkeys.policy"));
            fields.hidden = true;
            submit.hidden = true;
            return;
          }
          if (res.code === "current_password_invalid") { setFieldError(pw, message(res)); focusLater(pw.input); return; }
          err.set(message(res));
        });
      });
      return form;
    },
  });
}

/* ---------- Remembered devices ---------- */

function devicesSection() {
  const box = h("div", {});
  const sec = section("devices", t("account.devices"), h("p", { class: "muted" }, t("account.devices.text")), box);
  const focusStatus = () => {
    const s = box.querySelector(".success");
    if (s) { s.setAttribute("tabindex", "-1"); s.focus(); }
  };
  const draw = async (notice = "") => {
    const res = await api("GET", "api/auth/devices");
    if (!res.ok) { replace(box, noticeBox("error", message(res))); return; }
    const items = [...((res.body && res.body.items) || [])]
      .sort((a, b) => (b.current - a.current) || (new Date(b.lastUsedAt || b.createdAt) - new Date(a.lastUsedAt || a.createdAt)));
    const err = errorBox();
    if (!items.length) {
      replace(box, noticeBox("success", notice), h("p", { class: "muted", "data-testid": "devices-none" }, t("account.devices.none")));
      return;
    }
    const list = h("ul", { class: "session-list", "data-testid": "devices", "aria-label": t("account.devices.list") }, items.map((d) => {
      const device = describeAgent(d.userAgent) || t("account.sessions.unknown");
      const date = formatDate(d.createdAt, locale());
      const forget = h("button", { type: "button", class: "secondary compact", "data-action": "forget-device",
        "aria-label": t("account.devices.forget.label", { device, date }) }, t("account.devices.forget"));
      forget.addEventListener("click", async () => {
        forget.disabled = true;
        const r = await api("DELETE", `api/auth/devices/${encodeURIComponent(d.id)}`);
        if (r.ok || r.code === "not_found") { await draw(t("account.devices.forgotten")); focusStatus(); return; }
        forget.disabled = false;
        err.set(message(r));
      });
      return h("li", { class: d.current ? "session current" : "session", "data-device-id": d.id },
        h("span", { class: `device-icon ${/iOS|Android/.test(device) ? "phone" : "desktop"}`, "aria-hidden": "true" }),
        h("div", { class: "session-main" },
          h("p", { class: "session-device" }, device, d.current ? h("span", { class: "badge ok" }, t("account.devices.this")) : null),
          h("p", { class: "session-meta muted" },
            h("span", {}, t("account.devices.remembered", { date })),
            d.lastUsedAt ? h("span", {}, t("account.devices.used", { when: relative(d.lastUsedAt) })) : null)),
        forget);
    }));
    const all = h("button", { type: "button", class: "secondary", "data-action": "forget-all-devices" }, t("account.devices.forget.all"));
    all.addEventListener("click", async () => {
      const yes = await confirmDialog({
        title: t("account.devices.forget.all.confirm"), text: t("account.devices.forget.all.text"),
        confirmLabel: t("account.devices.forget.all"), danger: true,
      });
      if (!yes) return;
      const r = await api("DELETE", "api/auth/devices");
      if (r.ok) { await draw(t("account.devices.forgotten.all")); focusStatus(); return; }
      err.set(message(r));
    });
    replace(box, noticeBox("success", notice), err, list, h("div", { class: "actions" }, all));
  };
  sec.redraw = draw;
  sec.ready = draw();
  return sec;
}

/* ---------- Sessions ---------- */

function sessionsSection() {
  const box = h("div", {});
  const sec = section("sessions", t("account.sessions"), h("p", { class: "muted" }, t("account.sessions.text")), box);
  const draw = async (notice = "") => {
    const res = await api("GET", "api/auth/sessions");
    if (!res.ok) { replace(box, noticeBox("error", message(res))); return; }
    const items = [...((res.body && res.body.items) || [])]
      .sort((a, b) => (b.current - a.current) || (new Date(b.lastSeenAt) - new Date(a.lastSeenAt)));
    const others = items.filter((s) => !s.current);
    const err = errorBox();
    const list = h("ul", { class: "session-list", "data-testid": "sessions" }, items.map((s) => {
      const device = describeAgent(s.userAgent) || t("account.sessions.unknown");
      const when = relative(s.lastSeenAt || s.createdAt);
      const out = s.current ? null : h("button", {
        type: "button", class: "secondary compact", "data-action": "revoke",
        "aria-label": t("account.sessions.signout.label", { device, when }),
      }, t("account.sessions.signout"));
      if (out) {
        out.addEventListener("click", async () => {
          out.disabled = true;
          const r = await api("DELETE", `api/auth/sessions/${encodeURIComponent(s.id)}`);
          if (r.ok || r.code === "not_found") { await draw(t("account.sessions.revoked")); focusStatus(); return; }
          out.disabled = false;
          err.set(message(r));
        });
      }
      return h("li", { class: s.current ? "session current" : "session", "data-session-id": s.id },
        h("span", { class: `device-icon ${/iOS|Android/.test(device) ? "phone" : "desktop"}`, "aria-hidden": "true" }),
        h("div", { class: "session-main" },
          h("p", { class: "session-device" }, device, s.current ? h("span", { class: "badge ok" }, t("account.sessions.this")) : null),
          h("p", { class: "session-meta muted" },
            s.ip ? h("span", {}, t("account.sessions.ip", { ip: s.ip })) : null,
            h("span", {}, t("account.sessions.created", { date: formatDate(s.createdAt, locale()) })),
            h("span", {}, t("account.sessions.seen", { when })))),
        out);
    }));
    let all = null;
    if (others.length) {
      all = h("button", { type: "button", class: "secondary", "data-action": "revoke-all" }, t("account.sessions.signout.all"));
      all.addEventListener("click", async () => {
        const yes = await confirmDialog({
          title: t("account.sessions.signout.all.confirm"), text: t("account.sessions.signout.all.text"),
          confirmLabel: t("account.sessions.signout.all"), danger: true,
        });
        if (!yes) return;
        const r = await api("DELETE", "api/auth/sessions");
        if (r.ok) { await draw(t("account.sessions.revoked.all")); focusStatus(); return; }
        err.set(message(r));
      });
    }
    replace(box, noticeBox("success", notice), err, list,
      others.length ? h("div", { class: "actions" }, all) : h("p", { class: "hint" }, t("account.sessions.only")));
  };
  const focusStatus = () => {
    const s = box.querySelector(".success");
    if (s) { s.setAttribute("tabindex", "-1"); s.focus(); }
  };
  sec.redraw = draw;
  sec.ready = draw();
  return sec;
}

/* ---------- Language ---------- */

function languageSection(ctx) {
  const name = "account-language";
  return section("language", t("account.language"),
    h("fieldset", { class: "lang-choice" },
      h("legend", { class: "visually-hidden" }, t("account.language")),
      h("p", { class: "muted" }, t("account.language.text")),
      h("div", { class: "segmented" }, locales.map((l) => {
        const id = `${name}-${l}`;
        const input = h("input", { type: "radio", name, id, value: l, checked: l === locale() });
        input.addEventListener("change", () => { setLocale(l); ctx.refresh(); });
        return h("label", { for: id, lang: l }, input, h("span", {}, t(`layout.lang.${l}`)));
      }))));
}

async function account(ctx) {
  const sessions = sessionsSection();
  const passkeys = passkeysSection(() => mfa.redraw());
  const mfa = mfaSection(() => passkeys.redraw());
  const sso = state.session.user.sso;
  const devices = sso ? null : devicesSection();
  await Promise.all([sessions.ready, mfa.ready, passkeys.ready, sso ? null : devices.ready]);
  if (ctx.query.get("section") === "mfa") whenAttached(mfa, () => mfa.scrollIntoView({ block: "start" }));
  const sections = [["profile", t("account.profile")], ["password", t("account.password")], ["mfa", t("account.mfa")],
    ["passkeys", t("account.passkeys")], sso ? null : ["devices", t("account.devices")],
    ["sessions", t("account.sessions")], ["language", t("account.language")]].filter(Boolean);
  return h("div", { class: "account", "data-testid": "account" },
    h("div", { class: "page-header" },
      h("div", {}, h("h1", {}, t("account.title")), h("p", { class: "muted page-intro" }, t("account.intro")))),
    h("div", { class: "account-layout" },
      sectionNav(sections),
      h("div", { class: "account-sections" },
      profile(),
      passwordSection(() => { sessions.redraw(); if (!sso) devices.redraw(); }),
      mfa,
      passkeys,
      sso ? null : devices,
      sessions,
      languageSection(ctx))));
}

/** sectionNav jumps to a section (buttons: the hash belongs to the router). */
function sectionNav(items) {
  return h("nav", { class: "section-nav", "aria-label": t("account.sections") },
    h("ul", {}, items.map(([id, label]) => h("li", {}, h("button", {
      type: "button", class: "section-link", "data-target": id,
      onclick: () => {
        const target = document.getElementById(`account-${id}`);
        if (!target) return;
        target.scrollIntoView({ block: "start" });
        const heading = target.querySelector("h2");
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      },
    }, label)))));
}

route("/account", "session", account, { shell: true, title: () => t("account.title") });
