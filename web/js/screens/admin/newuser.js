// #/admin/users/new: create a user who either gets an invitation mail or a
// temporary password to change at the first sign-in.
import { api } from "../../api.js";
import { busy, h, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { state } from "../../state.js";
import {
  adminNav, endOfDay, failure, focusControl, loadFacilities, pageHeader,
} from "./common.js";
import { passwordField, userFields } from "./userform.js";

register({
  en: {
    "admin.new.title": "New user",
    "admin.new.back": "Back to users",
    "admin.new.account": "Account",
    "admin.new.access": "Access",
    "admin.new.setup": "First sign-in",
    "admin.new.setupLegend": "How does the user get a password?",
    "admin.new.invite": "Send an invitation by email",
    "admin.new.inviteHint": "The user receives a link to choose a password.",
    "admin.new.temporary": "Set a temporary password",
    "admin.new.temporaryHint": "The user must change it at the first sign-in.",
    "admin.new.password": "Temporary password",
    "admin.new.create": "Create user",
    "admin.new.emailForInvite": "Enter an email address to send an invitation, or set a temporary password.",
    "admin.new.required": "{label} is required.",
    "admin.new.rolesRequired": "Choose at least one role.",
    "admin.new.usernameTaken": "This username is already in use.",
    "admin.new.emailTaken": "This email address is already in use.",
    "admin.new.invited": "Invitation sent to {email}.",
    "admin.new.temporarySet": "{name} was created. Temporary password set; the user must change it at first sign-in.",
    "admin.new.sso": "Single sign-on only",
    "admin.new.ssoHint": "No password here: the user signs in through the company's identity provider, which must assert this email address.",
    "admin.new.emailForSso": "Enter the email address the identity provider asserts for this user.",
    "admin.new.ssoCreated": "{name} was created and can sign in with single sign-on.",
  },
  de: {
    "admin.new.title": "Neuer Benutzer",
    "admin.new.back": "Zurück zu den Benutzern",
    "admin.new.account": "Konto",
    "admin.new.access": "Zugriff",
    "admin.new.setup": "Erste Anmeldung",
    "admin.new.setupLegend": "Wie erhält die Person ein Passwort?",
    "admin.new.invite": "Einladung per E-Mail senden",
    "admin.new.inviteHint": "Die Person erhält einen Link, um ein Passwort zu wählen.",
    "admin.new.temporary": "Vorläufiges Passwort festlegen",
    "admin.new.temporaryHint": "Die Person muss es bei der ersten Anmeldung ändern.",
    "admin.new.password": "Vorläufiges Passwort",
    "admin.new.create": "Benutzer anlegen",
    "admin.new.emailForInvite": "Geben Sie eine E-Mail-Adresse für die Einladung an oder legen Sie ein vorläufiges Passwort fest.",
    "admin.new.required": "{label} ist erforderlich.",
    "admin.new.rolesRequired": "Wählen Sie mindestens eine Rolle.",
    "admin.new.usernameTaken": "Dieser Benutzername ist schon vergeben.",
    "admin.new.emailTaken": "Diese E-Mail-Adresse wird schon verwendet.",
    "admin.new.invited": "Einladung an {email} gesendet.",
    "admin.new.temporarySet": "{name} wurde angelegt. Vorläufiges Passwort gesetzt; die Person muss es bei der ersten Anmeldung ändern.",
    "admin.new.sso": "Nur Single Sign-on",
    "admin.new.ssoHint": "Kein Passwort hier: Die Person meldet sich über den Identitätsanbieter des Unternehmens an, der diese E-Mail-Adresse bestätigen muss.",
    "admin.new.emailForSso": "Geben Sie die E-Mail-Adresse an, die der Identitätsanbieter für diese Person bestätigt.",
    "admin.new.ssoCreated": "{name} wurde angelegt und kann sich per Single Sign-on anmelden.",
  },
});

/** newUserScreen renders the creation form. */
export async function newUserScreen(ctx) {
  const facilities = await loadFacilities();
  const { fields, values, parts } = userFields(null, facilities, { create: true });
  const error = h("div", { class: "error", role: "alert", hidden: true, tabindex: "-1" });
  const setError = (text) => { error.textContent = text || ""; error.hidden = !text; };

  const password = fields.add("temporaryPassword", passwordField({ label: t("admin.new.password"), name: "temporaryPassword" }),
    t("admin.new.password"));
  const name = uid("setup");
  const radio = (value, label, hint, checked) => {
    const id = uid("setup");
    const input = h("input", { type: "radio", id, name, value, checked, "aria-describedby": `${id}-hint` });
    return { input, node: h("div", { class: "radio-choice" },
      h("label", { class: "checkbox", for: id }, input, h("span", {}, label)),
      h("p", { class: "hint", id: `${id}-hint` }, hint)) };
  };
  const invite = radio("invite", t("admin.new.invite"), t("admin.new.inviteHint"), true);
  const temporary = radio("temporary", t("admin.new.temporary"), t("admin.new.temporaryHint"), false);
  // Single sign-on is offered only where the tenant has identity providers.
  const ssoOffered = Boolean(state.config && state.config.sso && state.config.sso.enabled);
  const sso = radio("sso", t("admin.new.sso"), t("admin.new.ssoHint"), false);
  const setup = h("fieldset", { class: "choices" }, h("legend", {}, t("admin.new.setupLegend")), invite.node, temporary.node,
    ssoOffered ? sso.node : null, password);
  const sync = () => { password.hidden = !temporary.input.checked; };
  invite.input.addEventListener("change", sync);
  temporary.input.addEventListener("change", sync);
  sso.input.addEventListener("change", sync);
  // Without an email an invitation is impossible: switch to a temporary password.
  parts.email.input.addEventListener("change", () => {
    if (!parts.email.input.value.trim() && invite.input.checked) {
      temporary.input.checked = true;
      sync();
    }
  });
  sync();

  async function conflictField(v) {
    // The server says "conflict" for the username or the email: look which one is taken.
    const res = await api("GET", `api/admin/users?${new URLSearchParams({ query: v.username, limit: "20" })}`);
    const taken = res.ok && res.body.items.some((u) => u.username.toLowerCase() === v.username.toLowerCase()
      || (u.email && u.email.toLowerCase() === v.username.toLowerCase()));
    if (taken || !v.email) fields.set("username", t("admin.new.usernameTaken"));
    else fields.set("email", t("admin.new.emailTaken"));
    focusControl(taken || !v.email ? parts.username : parts.email);
  }

  const form = h("form", { class: "user-form", novalidate: true }, error,
    h("section", { class: "panel" }, h("h2", {}, t("admin.new.account")),
      h("div", { class: "form-grid" }, parts.username, parts.displayName, parts.email, parts.locale)),
    h("section", { class: "panel" }, h("h2", {}, t("admin.new.access")),
      parts.roles, parts.network, parts.facilities, h("div", { class: "form-grid" }, parts.validUntil)),
    h("section", { class: "panel" }, h("h2", {}, t("admin.new.setup")), setup),
    h("div", { class: "actions form-actions" },
      h("button", { type: "submit", class: "primary" }, t("admin.new.create")),
      h("a", { class: "button secondary", href: "#/admin/users" }, t("common.cancel"))));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    fields.clear();
    setError("");
    const v = values();
    const useTemp = temporary.input.checked;
    const useSso = ssoOffered && sso.input.checked;
    // What can be told before asking the server.
    const missing = [];
    if (!v.username) missing.push(["username", t("admin.new.required", { label: t("admin.user.username") })]);
    if (!v.displayName) missing.push(["displayName", t("admin.new.required", { label: t("admin.user.displayName") })]);
    if (!v.roles.length) missing.push(["roles", t("admin.new.rolesRequired")]);
    if (!useTemp && !v.email) missing.push(["email", t(useSso ? "admin.new.emailForSso" : "admin.new.emailForInvite")]);
    if (useTemp && !password.input.value) missing.push(["temporaryPassword", t("admin.new.required", { label: t("admin.new.password") })]);
    if (missing.length) {
      missing.forEach(([f, s]) => fields.set(f, s));
      setError(t("admin.errors.summary"));
      focusControl(fields.map.get(missing[0][0]).wrapper);
      return;
    }
    const body = {
      username: v.username, displayName: v.displayName, roles: v.roles, networkAccess: v.networkAccess,
      facilityIds: v.facilityIds, locale: v.locale,
    };
    if (v.email) body.email = v.email;
    if (v.validUntil) body.validUntil = endOfDay(v.validUntil);
    if (useTemp) body.temporaryPassword = password.input.value;
    if (useSso) body.sso = true;
    await busy(form, async () => {
      const res = await api("POST", "api/admin/users", body);
      if (res.ok) {
        const user = res.body;
        const name = user.displayName || user.username;
        ctx.state.notice = user.status === "invited" ? t("admin.new.invited", { email: user.email })
          : user.sso ? t("admin.new.ssoCreated", { name }) : t("admin.new.temporarySet", { name });
        ctx.go(`/admin/users/${encodeURIComponent(user.id)}`);
        return;
      }
      if (res.code === "conflict") {
        setError(t("admin.errors.summary"));
        await conflictField(v);
        return;
      }
      if (res.body && res.body.violations) {
        const rest = fields.show(res);
        setError([res.code === "password_policy" ? failure(res) : t("admin.errors.summary"), ...rest].join(" "));
        return;
      }
      setError(failure(res));
      error.focus();
    });
  });

  return h("div", { class: "admin" },
    adminNav("users"),
    h("p", { class: "breadcrumb" }, h("a", { href: "#/admin/users" }, `← ${t("admin.new.back")}`)),
    pageHeader(t("admin.new.title")),
    form);
}
