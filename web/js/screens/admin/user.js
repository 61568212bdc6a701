// #/admin/users/:id: one user — details to edit and the account actions.
// Admins and super admins read the user; a supervisor can't (403), so its
// page starts from the list row and offers only its three actions.
import { api } from "../../api.js";
import { busy, h, replace, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { openDialog } from "../common/dialog.js";
import { noticeBox, roleBadges, takeNotice } from "../common/layout.js";
import {
  adminNav, dateInputValue, endOfDay, facilityNames, failure, isManager, isSuperAdmin, loadFacilities, loadOwnViews,
  loadHelpRequests, lockedBadge, me, pageHeader, rowCache, setFieldError, statusBadge,
  supervisorActsOn, when, day,
} from "./common.js";
import { findRow } from "./users.js";
import { passwordField, userFields } from "./userform.js";
import { state } from "../../state.js";

register({
  en: {
    "admin.userPage.back": "Back to users",
    "admin.userPage.notFound": "This user does not exist (any more).",
    "admin.userPage.details": "Details",
    "admin.userPage.save": "Save changes",
    "admin.userPage.saved": "Changes saved.",
    "admin.userPage.noChanges": "There are no changes to save.",
    "admin.userPage.readOnlyAdmin": "Only a super admin can change an admin or super admin.",
    "admin.userPage.supervisorOnly": "You can help the operators of your facilities only.",
    "admin.userPage.emailTaken": "This email address is already in use.",
    "admin.userPage.email": "Email",
    "admin.userPage.emailVerified": "verified",
    "admin.userPage.emailUnverified": "not verified yet",
    "admin.userPage.created": "Created",
    "admin.userPage.lastLogin": "Last sign-in",
    "admin.userPage.validUntil": "Valid until",
    "admin.userPage.noExpiry": "No end date",
    "admin.userPage.facilities": "Facilities",
    "admin.userPage.language": "Language",
    "admin.userPage.summary": "Summary",
    "admin.userPage.audit": "Show in the audit log",
    "admin.userPage.you": "This is your own account: your password, two-factor authentication and sessions are managed in your account settings.",
    "admin.userPage.account": "Open account settings",
    "admin.userPage.ssoNote": "This account signs in with single sign-on; its password and two-factor settings are managed there.",
    "admin.userPage.ssoPasswordNote": "This account signs in with single sign-on, and also with a password of its own, which it set through “Forgot password?”. To stop both, deactivate the account here.",
    "admin.userPage.signIn": "Signs in with",
    "admin.userPage.signIn.password": "Password",
    "admin.userPage.signIn.sso": "Single sign-on",
    "admin.userPage.signIn.ssoNamed": "Single sign-on ({name})",
    "admin.userPage.signIn.both": "{sso} and a password",
    "admin.userPage.help.title": "Asked for help signing in.",
    "admin.userPage.help.text": "{name} forgot the password and has no email address for a reset link ({when}, from {ip}). Set a temporary password and give it to them in person or by phone; that closes the request.",
    "admin.actions": "Actions",
    "admin.actions.none": "There is nothing you can do for this user here.",
    "admin.actions.danger": "Danger zone",
    "admin.act.deactivate": "Deactivate",
    "admin.act.deactivate.hint": "Blocks sign-in and ends all sessions. The account is kept.",
    "admin.act.deactivate.title": "Deactivate {name}?",
    "admin.act.deactivate.text": "{name} can no longer sign in, and all their sessions end now. You can activate the account again later.",
    "admin.act.deactivate.done": "{name} was deactivated. Their sessions have ended.",
    "admin.act.activate": "Activate",
    "admin.act.activate.hint": "Allows sign-in again.",
    "admin.act.activate.done": "{name} was activated.",
    "admin.act.unlock": "Unlock sign-in",
    "admin.act.unlock.hint": "Too many failed sign-ins locked this account for a while. Unlock it now.",
    "admin.act.unlock.done": "Sign-in for {name} is unlocked.",
    "admin.act.mfa": "Reset two-factor",
    "admin.act.mfa.hint": "For a lost phone or security key: turns two-factor authentication off and ends all sessions.",
    "admin.act.mfa.title": "Reset two-factor authentication of {name}?",
    "admin.act.mfa.text": "The authenticator app, the passkeys, the recovery codes and the remembered browsers of {name} stop working, and all their sessions end. They can set up two-factor authentication again after signing in.",
    "admin.act.mfa.done": "Two-factor authentication of {name} was reset; their sessions have ended.",
    "admin.act.invite": "Resend invitation",
    "admin.act.invite.hint": "Sends a new set-your-password link to {email}. Earlier links stop working.",
    "admin.act.invite.done": "A new invitation was sent to {email}.",
    "admin.act.password": "Set temporary password",
    "admin.act.password.hint": "The user must change it at the next sign-in. Their sessions end.",
    "admin.act.password.title": "Set a temporary password for {name}",
    "admin.act.password.submit": "Set password",
    "admin.act.password.done": "Temporary password set. {name} must change it at the next sign-in.",
    "admin.act.password.required": "Enter a temporary password.",
    "admin.act.revoke": "Sign out everywhere",
    "admin.act.revoke.hint": "Ends every session of this user on all devices.",
    "admin.act.revoke.title": "Sign {name} out everywhere?",
    "admin.act.revoke.text": "Every session of {name} ends now, on all devices. They can sign in again.",
    "admin.act.revoke.done": "{name} was signed out everywhere.",
    "admin.act.delete": "Delete user",
    "admin.act.delete.hint": "Removes the account for good. The audit log keeps its events.",
    "admin.act.delete.title": "Delete {name}?",
    "admin.act.delete.text": "The account {username} and its sessions are removed for good. This can't be undone; to only block sign-in, deactivate the account instead.",
    "admin.act.delete.confirm": "Type the username {username} to confirm",
    "admin.act.delete.mismatch": "Type the username exactly as shown.",
    "admin.act.delete.done": "{name} was deleted.",
  },
  de: {
    "admin.userPage.back": "Zurück zu den Benutzern",
    "admin.userPage.notFound": "Diesen Benutzer gibt es nicht (mehr).",
    "admin.userPage.details": "Angaben",
    "admin.userPage.save": "Änderungen speichern",
    "admin.userPage.saved": "Änderungen gespeichert.",
    "admin.userPage.noChanges": "Es gibt keine Änderungen zu speichern.",
    "admin.userPage.readOnlyAdmin": "Nur ein Super-Admin kann Admins und Super-Admins ändern.",
    "admin.userPage.supervisorOnly": "Sie können nur den Operatoren Ihrer Standorte helfen.",
    "admin.userPage.emailTaken": "Diese E-Mail-Adresse wird schon verwendet.",
    "admin.userPage.email": "E-Mail",
    "admin.userPage.emailVerified": "bestätigt",
    "admin.userPage.emailUnverified": "noch nicht bestätigt",
    "admin.userPage.created": "Angelegt",
    "admin.userPage.lastLogin": "Letzte Anmeldung",
    "admin.userPage.validUntil": "Gültig bis",
    "admin.userPage.noExpiry": "Kein Enddatum",
    "admin.userPage.facilities": "Standorte",
    "admin.userPage.language": "Sprache",
    "admin.userPage.summary": "Übersicht",
    "admin.userPage.audit": "Im Protokoll anzeigen",
    "admin.userPage.you": "Das ist Ihr eigenes Konto: Passwort, Zwei-Faktor-Authentifizierung und Sitzungen verwalten Sie in Ihren Kontoeinstellungen.",
    "admin.userPage.account": "Kontoeinstellungen öffnen",
    "admin.userPage.ssoNote": "Dieses Konto meldet sich per Single Sign-on an; Passwort und Zwei-Faktor-Einstellungen werden dort verwaltet.",
    "admin.userPage.ssoPasswordNote": "Dieses Konto meldet sich per Single Sign-on an und zusätzlich mit einem eigenen Passwort, das über „Passwort vergessen?“ gesetzt wurde. Um beides zu sperren, deaktivieren Sie das Konto hier.",
    "admin.userPage.signIn": "Meldet sich an mit",
    "admin.userPage.signIn.password": "Passwort",
    "admin.userPage.signIn.sso": "Single Sign-on",
    "admin.userPage.signIn.ssoNamed": "Single Sign-on ({name})",
    "admin.userPage.signIn.both": "{sso} und einem Passwort",
    "admin.userPage.help.title": "Hat um Hilfe bei der Anmeldung gebeten.",
    "admin.userPage.help.text": "{name} hat das Passwort vergessen und keine E-Mail-Adresse für einen Link ({when}, von {ip}). Setzen Sie ein vorläufiges Passwort und geben Sie es persönlich oder am Telefon weiter; damit ist die Anfrage erledigt.",
    "admin.actions": "Aktionen",
    "admin.actions.none": "Hier können Sie für diesen Benutzer nichts tun.",
    "admin.actions.danger": "Gefahrenbereich",
    "admin.act.deactivate": "Deaktivieren",
    "admin.act.deactivate.hint": "Sperrt die Anmeldung und beendet alle Sitzungen. Das Konto bleibt erhalten.",
    "admin.act.deactivate.title": "{name} deaktivieren?",
    "admin.act.deactivate.text": "{name} kann sich nicht mehr anmelden, und alle Sitzungen enden sofort. Sie können das Konto später wieder aktivieren.",
    "admin.act.deactivate.done": "{name} wurde deaktiviert. Alle Sitzungen wurden beendet.",
    "admin.act.activate": "Aktivieren",
    "admin.act.activate.hint": "Erlaubt die Anmeldung wieder.",
    "admin.act.activate.done": "{name} wurde aktiviert.",
    "admin.act.unlock": "Anmeldung entsperren",
    "admin.act.unlock.hint": "Zu viele fehlgeschlagene Anmeldungen haben dieses Konto vorübergehend gesperrt. Entsperren Sie es jetzt.",
    "admin.act.unlock.done": "Die Anmeldung für {name} ist entsperrt.",
    "admin.act.mfa": "Zwei-Faktor zurücksetzen",
    "admin.act.mfa.hint": "Bei verlorenem Telefon oder Sicherheitsschlüssel: schaltet die Zwei-Faktor-Authentifizierung aus und beendet alle Sitzungen.",
    "admin.act.mfa.title": "Zwei-Faktor-Authentifizierung von {name} zurücksetzen?",
    "admin.act.mfa.text": "Authenticator-App, Passkeys, Wiederherstellungscodes und gemerkte Browser von {name} funktionieren nicht mehr, und alle Sitzungen enden. Nach der Anmeldung kann die Zwei-Faktor-Authentifizierung neu eingerichtet werden.",
    "admin.act.mfa.done": "Die Zwei-Faktor-Authentifizierung von {name} wurde zurückgesetzt; alle Sitzungen wurden beendet.",
    "admin.act.invite": "Einladung erneut senden",
    "admin.act.invite.hint": "Sendet einen neuen Link zum Festlegen des Passworts an {email}. Frühere Links werden ungültig.",
    "admin.act.invite.done": "Eine neue Einladung wurde an {email} gesendet.",
    "admin.act.password": "Vorläufiges Passwort setzen",
    "admin.act.password.hint": "Die Person muss es bei der nächsten Anmeldung ändern. Ihre Sitzungen enden.",
    "admin.act.password.title": "Vorläufiges Passwort für {name} festlegen",
    "admin.act.password.submit": "Passwort festlegen",
    "admin.act.password.done": "Vorläufiges Passwort gesetzt. {name} muss es bei der nächsten Anmeldung ändern.",
    "admin.act.password.required": "Geben Sie ein vorläufiges Passwort ein.",
    "admin.act.revoke": "Überall abmelden",
    "admin.act.revoke.hint": "Beendet alle Sitzungen dieser Person auf allen Geräten.",
    "admin.act.revoke.title": "{name} überall abmelden?",
    "admin.act.revoke.text": "Alle Sitzungen von {name} enden sofort, auf allen Geräten. Eine erneute Anmeldung ist möglich.",
    "admin.act.revoke.done": "{name} wurde überall abgemeldet.",
    "admin.act.delete": "Benutzer löschen",
    "admin.act.delete.hint": "Entfernt das Konto endgültig. Das Protokoll behält seine Einträge.",
    "admin.act.delete.title": "{name} löschen?",
    "admin.act.delete.text": "Das Konto {username} und seine Sitzungen werden endgültig entfernt. Das lässt sich nicht rückgängig machen; um nur die Anmeldung zu sperren, deaktivieren Sie das Konto stattdessen.",
    "admin.act.delete.confirm": "Geben Sie zur Bestätigung den Benutzernamen {username} ein",
    "admin.act.delete.mismatch": "Geben Sie den Benutzernamen genau wie angezeigt ein.",
    "admin.act.delete.done": "{name} wurde gelöscht.",
  },
});

const privileged = (u) => u.roles.includes("admin") || u.roles.includes("super_admin");
const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const nameOf = (u) => u.displayName || u.username;

/** userScreen renders one user's page. */
export async function userScreen(ctx) {
  const id = ctx.params.id;
  const manager = isManager();
  const container = h("div", { class: "admin" });
  // A supervisor's own views are both the facility names it may read and
  // what it administers (the subset rule).
  const own = manager ? null : await loadOwnViews();
  const facilities = manager ? await loadFacilities() : own.facilities;
  const byId = new Map(facilities.map((f) => [f.id, f]));

  async function read() {
    if (manager) {
      const res = await api("GET", `api/admin/users/${encodeURIComponent(id)}`);
      return res.ok ? { ok: true, user: res.body } : { ok: false, res };
    }
    // Supervisors: the list is all they may read; look the row up again by username.
    const cached = rowCache.get(id);
    if (cached) {
      const res = await api("GET", `api/admin/users?${new URLSearchParams({ query: cached.username, limit: "50" })}`);
      const found = res.ok && res.body.items.find((u) => u.id === id);
      if (found) {
        rowCache.set(id, found);
        return { ok: true, user: found };
      }
      rowCache.delete(id);
    }
    return findRow(id);
  }

  async function show(flash) {
    const [got, help] = await Promise.all([read(), loadHelpRequests()]);
    const nav = adminNav("users", { helpCount: help.items.length });
    if (!got.ok) {
      const gone = got.res.code === "not_found" || (got.res.code === "forbidden" && !manager);
      replace(container, nav, backLink(), pageHeader(t("admin.users.title")),
        noticeBox("error", gone ? t("admin.userPage.notFound") : failure(got.res)));
      return;
    }
    replace(container, build(got.user, flash, nav, help.items.find((r) => r.userId === got.user.id)));
    if (flash) flash.focus();
  }

  /** act runs an action, then shows its result and the re-read user. */
  async function act(call, doneText) {
    const res = await call();
    if (res.ok) await show(noticeBox("success", doneText));
    return res;
  }

  function build(u, flash, nav, helpRequest) {
    const self = u.id === me();
    const name = nameOf(u);
    const readOnly = manager && privileged(u) && !isSuperAdmin();
    const helpable = !manager && supervisorActsOn(own, u);
    const post = (path, body) => api("POST", `api/admin/users/${encodeURIComponent(u.id)}/${path}`, body);
    const pageError = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
    const setPageError = (text) => { pageError.textContent = text || ""; pageError.hidden = !text; if (text) pageError.focus(); };

    // Header.
    const header = h("div", { class: "user-header" },
      pageHeader(name),
      h("p", { class: "user-sub" },
        h("span", { class: "username" }, u.username),
        statusBadge(u.status),
        u.locked ? lockedBadge() : null,
        u.mfa && (u.mfa.totp || u.mfa.passkeys > 0) ? h("span", { class: "badge ok" }, t("admin.mfa.on")) : h("span", { class: "badge" }, t("admin.mfa.off")),
        u.sso ? h("span", { class: "badge info" }, t("admin.sso")) : null,
        roleBadges(u.roles)));

    const summary = h("dl", { class: "meta" },
      h("div", {}, h("dt", {}, t("admin.userPage.signIn")), h("dd", { "data-testid": "signs-in-with" }, signsInWith(u))),
      h("div", {}, h("dt", {}, t("admin.userPage.email")), h("dd", {}, u.email
        ? [u.email, " ", h("span", { class: "muted" }, `(${u.emailVerified ? t("admin.userPage.emailVerified") : t("admin.userPage.emailUnverified")})`)]
        : "—")),
      h("div", {}, h("dt", {}, t("admin.userPage.lastLogin")), h("dd", {}, when(u.lastLoginAt, t("admin.never")))),
      h("div", {}, h("dt", {}, t("admin.userPage.created")), h("dd", {}, when(u.createdAt))),
      h("div", {}, h("dt", {}, t("admin.userPage.validUntil")), h("dd", {}, day(u.validUntil, t("admin.userPage.noExpiry")))),
      !manager ? h("div", {}, h("dt", {}, t("admin.userPage.facilities")), h("dd", {}, facilityNames(u, byId))) : null,
      !manager ? h("div", {}, h("dt", {}, t("admin.userPage.language")), h("dd", {}, t(`admin.locale.${u.locale || "en"}`))) : null);

    const notes = [
      self ? h("div", { class: "notice", role: "status" }, t("admin.userPage.you"), " ",
        h("a", { href: "#/account" }, t("admin.userPage.account"))) : null,
      readOnly ? noticeBox("notice", t("admin.userPage.readOnlyAdmin")) : null,
      !manager && !helpable ? noticeBox("notice", t("admin.userPage.supervisorOnly")) : null,
      u.sso ? noticeBox("notice", t(u.hasPassword ? "admin.userPage.ssoPasswordNote" : "admin.userPage.ssoNote")) : null,
      helpRequest ? h("div", { class: "warning help-note", role: "status", "data-testid": "help-request" },
        h("strong", {}, t("admin.userPage.help.title")), " ",
        t("admin.userPage.help.text", { name, when: when(helpRequest.createdAt), ip: helpRequest.ip || "—" })) : null,
    ];

    // Edit form (managers).
    let details = null;
    if (manager) {
      const { fields, values, parts } = userFields(u, facilities, { self, readOnly });
      const formError = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
      const setFormError = (text) => { formError.textContent = text || ""; formError.hidden = !text; };
      const formNote = h("div", { class: "notice", role: "status", hidden: true });
      const form = h("form", { class: "user-form", novalidate: true },
        formError, formNote,
        h("div", { class: "form-grid" }, parts.displayName, parts.email, parts.locale, parts.validUntil),
        parts.roles, parts.network, parts.facilities,
        readOnly ? null : h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("admin.userPage.save"))));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        fields.clear();
        setFormError("");
        formNote.hidden = true;
        const v = values();
        const patch = {};
        if (v.displayName !== u.displayName) patch.displayName = v.displayName;
        if (v.email !== (u.email || "")) patch.email = v.email || null;
        if (v.locale !== (u.locale || "en")) patch.locale = v.locale;
        if (!self && !sameSet(v.roles, u.roles)) patch.roles = v.roles;
        if (v.networkAccess !== u.networkAccess) patch.networkAccess = v.networkAccess;
        if (!sameSet(v.facilityIds, u.facilityIds)) patch.facilityIds = v.facilityIds;
        if (v.validUntil !== dateInputValue(u.validUntil)) patch.validUntil = v.validUntil ? endOfDay(v.validUntil) : null;
        if (!Object.keys(patch).length) {
          formNote.textContent = t("admin.userPage.noChanges");
          formNote.hidden = false;
          return;
        }
        if (patch.displayName === "") {
          fields.set("displayName", t("admin.new.required", { label: t("admin.user.displayName") }));
          setFormError(t("admin.errors.summary"));
          return;
        }
        if (patch.roles && !patch.roles.length) {
          fields.set("roles", t("admin.new.rolesRequired"));
          setFormError(t("admin.errors.summary"));
          return;
        }
        await busy(form, async () => {
          const res = await api("PATCH", `api/admin/users/${encodeURIComponent(u.id)}`, patch);
          if (res.ok) {
            await show(noticeBox("success", t("admin.userPage.saved")));
            return;
          }
          if (res.code === "conflict" && "email" in patch && patch.email) {
            fields.set("email", t("admin.userPage.emailTaken"));
            setFormError(t("admin.errors.summary"));
            return;
          }
          if (res.body && res.body.violations) {
            const rest = fields.show(res);
            setFormError([t("admin.errors.summary"), ...rest].join(" "));
            return;
          }
          setFormError(failure(res));
          formError.focus();
        });
      });
      details = h("section", { class: "panel", "aria-labelledby": "details-h" },
        h("h2", { id: "details-h" }, t("admin.userPage.details")), form);
    } else {
      details = h("section", { class: "panel", "aria-labelledby": "details-h" },
        h("h2", { id: "details-h" }, t("admin.userPage.summary")), summary);
    }

    // Actions.
    const rows = [];
    const danger = [];
    const actionRow = (title, hint, button) => h("div", { class: "action-row" },
      h("div", { class: "action-text" }, h("h3", {}, title), h("p", { class: "hint" }, hint)), button);
    const simple = (label, cls, run) => {
      const b = h("button", { type: "button", class: cls }, label);
      b.addEventListener("click", async () => {
        b.disabled = true;
        setPageError("");
        const res = await run();
        if (b.isConnected) b.disabled = false;
        if (!res.ok) setPageError(failure(res));
      });
      return b;
    };
    const confirmed = (label, cls, dialog) => {
      const b = h("button", { type: "button", class: cls }, label);
      b.addEventListener("click", () => { setPageError(""); openDialog(dialog()); });
      return b;
    };
    const confirmAction = ({ title, text, confirmLabel, danger: isDanger = false, call, done }) => () => ({
      title, danger: isDanger, confirmLabel,
      content: h("p", {}, text),
      onConfirm: async (dlg) => {
        const res = await call();
        if (!res.ok) { dlg.error(failure(res)); return false; }
        // Re-read after the dialog closed, so focus can move to the result.
        setTimeout(() => show(noticeBox("success", done)), 0);
        return true;
      },
    });
    const passwordDialog = () => temporaryPasswordDialog({
      userId: u.id, name, onDone: () => show(noticeBox("success", t("admin.act.password.done", { name }))) });

    const canWrite = manager ? !readOnly : helpable;
    if (canWrite) {
      if (manager && u.status === "inactive") {
        rows.push(actionRow(t("admin.act.activate"), t("admin.act.activate.hint"),
          simple(t("admin.act.activate"), "secondary", () => act(() => post("activate"), t("admin.act.activate.done", { name })))));
      }
      if (u.locked) {
        rows.push(actionRow(t("admin.act.unlock"), t("admin.act.unlock.hint"),
          simple(t("admin.act.unlock"), "secondary", () => act(() => post("unlock"), t("admin.act.unlock.done", { name })))));
      }
      if (manager && u.status === "invited" && u.email && !u.sso) {
        rows.push(actionRow(t("admin.act.invite"), t("admin.act.invite.hint", { email: u.email }),
          simple(t("admin.act.invite"), "secondary", () => act(() => post("invitation"), t("admin.act.invite.done", { email: u.email })))));
      }
      if (!u.sso && !self) {
        rows.push(actionRow(t("admin.act.password"), t("admin.act.password.hint"),
          confirmed(t("admin.act.password"), "secondary", passwordDialog)));
      }
      if (u.mfa && (u.mfa.totp || u.mfa.passkeys > 0)) {
        rows.push(actionRow(t("admin.act.mfa"), t("admin.act.mfa.hint"),
          confirmed(t("admin.act.mfa"), "secondary", confirmAction({
            title: t("admin.act.mfa.title", { name }), text: t("admin.act.mfa.text", { name }),
            confirmLabel: t("admin.act.mfa"), danger: true, call: () => post("mfa/reset"), done: t("admin.act.mfa.done", { name }) }))));
      }
      if (manager && !self) {
        rows.push(actionRow(t("admin.act.revoke"), t("admin.act.revoke.hint"),
          confirmed(t("admin.act.revoke"), "secondary", confirmAction({
            title: t("admin.act.revoke.title", { name }), text: t("admin.act.revoke.text", { name }),
            confirmLabel: t("admin.act.revoke"), call: () => post("sessions/revoke"), done: t("admin.act.revoke.done", { name }) }))));
      }
      if (manager && !self && u.status !== "inactive") {
        danger.push(actionRow(t("admin.act.deactivate"), t("admin.act.deactivate.hint"),
          confirmed(t("admin.act.deactivate"), "secondary danger-outline", confirmAction({
            title: t("admin.act.deactivate.title", { name }), text: t("admin.act.deactivate.text", { name }),
            confirmLabel: t("admin.act.deactivate"), danger: true, call: () => post("deactivate"),
            done: t("admin.act.deactivate.done", { name }) }))));
      }
      if (manager && !self) {
        danger.push(actionRow(t("admin.act.delete"), t("admin.act.delete.hint"),
          confirmed(t("admin.act.delete"), "danger", () => deleteDialog(u, ctx))));
      }
    }

    const actions = h("section", { class: "panel actions-panel", "aria-labelledby": "actions-h" },
      h("h2", { id: "actions-h" }, t("admin.actions")),
      rows.length ? rows : h("p", { class: "muted" }, t("admin.actions.none")),
      danger.length ? h("div", { class: "danger-zone" }, h("h3", { class: "danger-title" }, t("admin.actions.danger")), danger) : null);

    return [
      nav,
      backLink(),
      header,
      flash || null,
      pageError,
      notes,
      h("div", { class: "user-layout" },
        h("div", { class: "user-main" }, details),
        h("div", { class: "user-side" },
          manager ? h("section", { class: "panel", "aria-labelledby": "summary-h" },
            h("h2", { id: "summary-h" }, t("admin.userPage.summary")), summary,
            h("p", { class: "more-link" }, h("a", { href: `#/admin/audit?userId=${encodeURIComponent(u.id)}` }, t("admin.userPage.audit"))))
            : null,
          actions)),
    ];
  }

  await show(takeNotice());
  return container;
}

/**
 * signsInWith says how an account signs in: a password, single sign-on, or
 * both (an SSO account that set a password of its own, sso.allowLocalPassword).
 * The provider is the one the account's identity is bound to (ssoProvider),
 * by its display name; before the first SSO sign-in none is bound yet, and
 * with one provider configured it can only be that one.
 */
function signsInWith(u) {
  if (!u.sso) return t("admin.userPage.signIn.password");
  const providers = (state.config && state.config.sso && state.config.sso.providers) || [];
  const id = u.ssoProvider || (providers.length === 1 ? providers[0].id : "");
  const known = providers.find((p) => p.id === id);
  const sso = id ? t("admin.userPage.signIn.ssoNamed", { name: (known && known.name) || id }) : t("admin.userPage.signIn.sso");
  return u.hasPassword ? t("admin.userPage.signIn.both", { sso }) : sso;
}

function backLink() {
  return h("p", { class: "breadcrumb" }, h("a", { href: "#/admin/users" }, `← ${t("admin.userPage.back")}`));
}

function violationSentence(v) {
  for (const key of [`admin.violation.${v.code}`, `violation.${v.code}`]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return v.message;
}

/**
 * temporaryPasswordDialog returns the dialog (openDialog options) that sets a
 * temporary password for a user (POST …/password, a sensitive action: api.js
 * asks for the step-up when needed). Setting one also resolves the user's
 * open help request. onDone runs after the dialog closed.
 */
export function temporaryPasswordDialog({ userId, name, onDone }) {
  const pw = passwordField({ label: t("admin.new.password"), name: "password" });
  return {
    title: t("admin.act.password.title", { name }),
    confirmLabel: t("admin.act.password.submit"),
    content: pw,
    onConfirm: async (dlg) => {
      setFieldError(pw, "");
      if (!pw.input.value) { setFieldError(pw, t("admin.act.password.required")); pw.input.focus(); return false; }
      const res = await api("POST", `api/admin/users/${encodeURIComponent(userId)}/password`, { password: pw.input.value, temporary: true });
      if (!res.ok) {
        const v = (res.body && res.body.violations) || [];
        dlg.error(failure(res));
        setFieldError(pw, v.length ? t("admin.fieldError", {
          label: t("admin.new.password"), problem: v.map(violationSentence).join("; ") }) : "");
        pw.input.focus();
        return false;
      }
      // After the dialog closed, so focus can move to the result.
      setTimeout(onDone, 0);
      return true;
    },
  };
}

/** deleteDialog asks to type the username before deleting. */
function deleteDialog(u, ctx) {
  const name = nameOf(u);
  const id = uid("confirm");
  const input = h("input", { id, type: "text", autocomplete: "off", spellcheck: "false", autocapitalize: "none" });
  return {
    title: t("admin.act.delete.title", { name }),
    danger: true,
    confirmLabel: t("admin.act.delete"),
    content: [
      h("p", {}, t("admin.act.delete.text", { username: u.username })),
      h("div", { class: "field" }, h("label", { for: id }, t("admin.act.delete.confirm", { username: u.username })), input),
    ],
    onConfirm: async (dlg) => {
      if (input.value.trim() !== u.username) {
        dlg.error(t("admin.act.delete.mismatch"));
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return false;
      }
      const res = await api("DELETE", `api/admin/users/${encodeURIComponent(u.id)}`);
      if (!res.ok) { dlg.error(failure(res)); return false; }
      rowCache.delete(u.id);
      ctx.state.notice = t("admin.act.delete.done", { name });
      setTimeout(() => ctx.go("/admin/users"), 0);
      return true;
    },
  };
}
