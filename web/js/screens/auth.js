// The signed-out flows: sign in (password, SSO, second factor), forgotten
// password, the reset and invitation links, and the two restricted screens a
// session may have to pass first (forced password change, forced two-factor
// enrolment).
import { api, message, violations } from "../api.js";
import { errorBox, field, h, uid } from "../dom.js";
import { register, t } from "../i18n.js";
import { route } from "../router.js";
import { refreshSession, state } from "../state.js";
import { busyForm, clearFieldErrors, focusLater, setFieldError, showViolations, whenAttached } from "./common/forms.js";
import { authCard, landingPath, noticeBox, signOutButton, takeNotice } from "./common/layout.js";
import { codeField, readCode, totpEnrolment } from "./common/mfa.js";
import { newPasswordFields, passwordField, submitPasswordChange } from "./common/password.js";
import { cancelled, conditionalAvailable, get as getPasskey, getConditional, stopConditional, supported as passkeysSupported } from "../webauthn.js";

register({
  en: {
    "login.title": "Sign in",
    "login.intro": "Welcome back. Sign in to continue to the Backoffice.",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.forgot": "Forgot password?",
    "login.or": "or",
    "login.sso": "Sign in with {name}",
    "login.required.username": "Enter your username.",
    "login.required.password": "Enter your password.",
    "login.sso_failed": "Single sign-on didn't work. Please try again or contact your administrator.",
    "login.sso_no_account": "There is no Backoffice account for this single sign-on identity. Ask your administrator for access.",
    "login.sso_inactive": "Your Backoffice account is not active. Ask your administrator.",
    "login.spoof": "Check that the address in your browser is your company's Backoffice before you enter your password.",
    "login.passkey": "Sign in with a passkey",
    "login.passkey.failed": "Signing in with a passkey didn't work. Try again, or sign in with your username and password.",
    "mfalogin.title": "Two-factor authentication",
    "mfalogin.intro": "Enter the 6-digit code from your authenticator app.",
    "mfalogin.intro.recovery": "Enter one of the recovery codes you saved when you set up two-factor authentication.",
    "mfalogin.submit": "Verify",
    "mfalogin.recovery": "Recovery code",
    "mfalogin.recovery.hint": "For example abcd-efgh-ijkl. Each code works once.",
    "mfalogin.recovery.required": "Enter a recovery code.",
    "mfalogin.use.recovery": "Use a recovery code instead",
    "mfalogin.use.code": "Use a code from the app instead",
    "mfalogin.back": "Back to sign-in",
    "mfalogin.lost": "Lost your phone and your recovery codes? Ask your administrator to reset two-factor authentication.",
    "mfalogin.lost.passkey": "Lost your passkey and your recovery codes? Ask your administrator to reset two-factor authentication.",
    "mfalogin.intro.passkey": "Confirm it's you with your passkey. Your browser will ask for your fingerprint, face, screen lock or security key.",
    "mfalogin.passkey": "Use your passkey",
    "mfalogin.passkey.failed": "That passkey was not accepted. Try again, or choose another way below.",
    "mfalogin.use.passkey": "Use your passkey instead",
    "mfalogin.remember": "Remember this browser",
    "mfalogin.remember.hint": "This browser then skips this step for a while; your password is still asked every time. Don't tick it on a shared computer.",
    "forgot.title": "Reset your password",
    "forgot.intro": "Enter your username or email address. We'll email you a link to choose a new password — or, if your account has no email address, ask your supervisor to help you.",
    "forgot.identifier": "Username or email",
    "forgot.required": "Enter your username or email address.",
    "forgot.submit": "Send reset link",
    "forgot.back": "Back to sign-in",
    "sent.title": "Request received",
    "sent.text": "If an account matches what you entered, we've emailed it a link to choose a new password, or — if it has no email address — asked its supervisor to help you.",
    "sent.noemail": "No email address? Your supervisor or an administrator sets a temporary password for you and gives it to you in person or by phone; you choose your own at the next sign-in.",
    "sent.spam": "Nothing there after a few minutes? Check your spam folder.",
    "sent.valid": "The link works once and only for a limited time. If it has expired, simply request a new one.",
    "sent.again": "Send another link",
    "sent.back": "Back to login",
    "reset.title": "Choose a new password",
    "invite.title": "Welcome — set your password",
    "reset.for": "Choose a password for {username}.",
    "invite.for": "Your account {username} is ready. Choose a password to activate it.",
    "reset.checking": "Checking your link…",
    "reset.submit": "Save password",
    "invite.submit": "Activate account",
    "reset.invalid.title": "This link is no longer valid",
    "reset.invalid.text": "Password links work once and only for a limited time. It may also have been replaced by a newer link.",
    "reset.invalid.again": "Request a new link",
    "invite.invalid.text": "Invitation links work once and only for a limited time. Ask your administrator to send you a new invitation.",
    "reset.done.title": "Password changed",
    "reset.done.text": "Your new password is saved. For your security, you were signed out everywhere.",
    "invite.done.title": "Your account is active",
    "invite.done.text": "Your password is saved. Sign in with your username and new password.",
    "reset.done.back": "Back to login",
    "reset.username": "Username",
    "change.title": "Choose your own password",
    "change.intro": "You signed in with a temporary password. Choose your own to continue.",
    "change.current": "Temporary password",
    "change.submit": "Save and continue",
    "change.required.current": "Enter the temporary password you signed in with.",
    "enrol.title": "Set up two-factor authentication",
    "enrol.intro": "Your role requires two-factor authentication. Besides your password, you'll enter a code from an authenticator app on your phone when you sign in.",
  },
  de: {
    "login.title": "Anmelden",
    "login.intro": "Willkommen zurück. Melden Sie sich an, um zum Backoffice zu gelangen.",
    "login.username": "Benutzername",
    "login.password": "Passwort",
    "login.submit": "Anmelden",
    "login.forgot": "Passwort vergessen?",
    "login.or": "oder",
    "login.sso": "Mit {name} anmelden",
    "login.required.username": "Geben Sie Ihren Benutzernamen ein.",
    "login.required.password": "Geben Sie Ihr Passwort ein.",
    "login.sso_failed": "Die Anmeldung per Single Sign-on hat nicht funktioniert. Bitte versuchen Sie es erneut oder wenden Sie sich an Ihre Administration.",
    "login.sso_no_account": "Für diese Single-Sign-on-Identität gibt es kein Backoffice-Konto. Bitten Sie Ihre Administration um Zugang.",
    "login.sso_inactive": "Ihr Backoffice-Konto ist nicht aktiv. Wenden Sie sich an Ihre Administration.",
    "login.spoof": "Prüfen Sie, ob die Adresse in Ihrem Browser das Backoffice Ihres Unternehmens ist, bevor Sie Ihr Passwort eingeben.",
    "login.passkey": "Mit einem Passkey anmelden",
    "login.passkey.failed": "Die Anmeldung mit einem Passkey hat nicht funktioniert. Versuchen Sie es erneut oder melden Sie sich mit Benutzername und Passwort an.",
    "mfalogin.title": "Zwei-Faktor-Authentifizierung",
    "mfalogin.intro": "Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein.",
    "mfalogin.intro.recovery": "Geben Sie einen der Wiederherstellungscodes ein, die Sie bei der Einrichtung gesichert haben.",
    "mfalogin.submit": "Bestätigen",
    "mfalogin.recovery": "Wiederherstellungscode",
    "mfalogin.recovery.hint": "Zum Beispiel abcd-efgh-ijkl. Jeder Code funktioniert einmal.",
    "mfalogin.recovery.required": "Geben Sie einen Wiederherstellungscode ein.",
    "mfalogin.use.recovery": "Stattdessen einen Wiederherstellungscode verwenden",
    "mfalogin.use.code": "Stattdessen einen Code aus der App verwenden",
    "mfalogin.back": "Zurück zur Anmeldung",
    "mfalogin.lost": "Smartphone und Wiederherstellungscodes verloren? Bitten Sie Ihre Administration, die Zwei-Faktor-Authentifizierung zurückzusetzen.",
    "mfalogin.lost.passkey": "Passkey und Wiederherstellungscodes verloren? Bitten Sie Ihre Administration, die Zwei-Faktor-Authentifizierung zurückzusetzen.",
    "mfalogin.intro.passkey": "Bestätigen Sie Ihre Identität mit Ihrem Passkey. Ihr Browser fragt nach Fingerabdruck, Gesicht, Bildschirmsperre oder Sicherheitsschlüssel.",
    "mfalogin.passkey": "Passkey verwenden",
    "mfalogin.passkey.failed": "Dieser Passkey wurde nicht akzeptiert. Versuchen Sie es erneut oder wählen Sie unten einen anderen Weg.",
    "mfalogin.use.passkey": "Stattdessen den Passkey verwenden",
    "mfalogin.remember": "Diesen Browser merken",
    "mfalogin.remember.hint": "Dieser Browser überspringt diesen Schritt dann eine Zeit lang; Ihr Passwort wird weiterhin jedes Mal abgefragt. Nicht auf einem gemeinsam genutzten Computer ankreuzen.",
    "forgot.title": "Passwort zurücksetzen",
    "forgot.intro": "Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein. Wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen – oder bitten, wenn Ihr Konto keine E-Mail-Adresse hat, Ihren Supervisor, Ihnen zu helfen.",
    "forgot.identifier": "Benutzername oder E-Mail-Adresse",
    "forgot.required": "Geben Sie Ihren Benutzernamen oder Ihre E-Mail-Adresse ein.",
    "forgot.submit": "Link senden",
    "forgot.back": "Zurück zur Anmeldung",
    "sent.title": "Anfrage erhalten",
    "sent.text": "Wenn ein Konto zu Ihrer Eingabe passt, haben wir ihm einen Link zum Wählen eines neuen Passworts gesendet oder – wenn es keine E-Mail-Adresse hat – seinen Supervisor gebeten, Ihnen zu helfen.",
    "sent.noemail": "Keine E-Mail-Adresse? Ihr Supervisor oder Ihre Administration setzt Ihnen ein vorläufiges Passwort und gibt es Ihnen persönlich oder am Telefon; bei der nächsten Anmeldung wählen Sie Ihr eigenes.",
    "sent.spam": "Nach ein paar Minuten noch nichts da? Sehen Sie in Ihrem Spam-Ordner nach.",
    "sent.valid": "Der Link funktioniert einmal und nur für begrenzte Zeit. Ist er abgelaufen, fordern Sie einfach einen neuen an.",
    "sent.again": "Weiteren Link senden",
    "sent.back": "Zurück zur Anmeldung",
    "reset.title": "Neues Passwort wählen",
    "invite.title": "Willkommen – legen Sie Ihr Passwort fest",
    "reset.for": "Wählen Sie ein Passwort für {username}.",
    "invite.for": "Ihr Konto {username} ist bereit. Wählen Sie ein Passwort, um es zu aktivieren.",
    "reset.checking": "Ihr Link wird geprüft …",
    "reset.submit": "Passwort speichern",
    "invite.submit": "Konto aktivieren",
    "reset.invalid.title": "Dieser Link ist nicht mehr gültig",
    "reset.invalid.text": "Passwort-Links funktionieren einmal und nur für begrenzte Zeit. Möglicherweise wurde er auch durch einen neueren Link ersetzt.",
    "reset.invalid.again": "Neuen Link anfordern",
    "invite.invalid.text": "Einladungslinks funktionieren einmal und nur für begrenzte Zeit. Bitten Sie Ihre Administration, Ihnen eine neue Einladung zu senden.",
    "reset.done.title": "Passwort geändert",
    "reset.done.text": "Ihr neues Passwort ist gespeichert. Zu Ihrer Sicherheit wurden Sie überall abgemeldet.",
    "invite.done.title": "Ihr Konto ist aktiv",
    "invite.done.text": "Ihr Passwort ist gespeichert. Melden Sie sich mit Ihrem Benutzernamen und dem neuen Passwort an.",
    "reset.done.back": "Zurück zur Anmeldung",
    "reset.username": "Benutzername",
    "change.title": "Eigenes Passwort wählen",
    "change.intro": "Sie haben sich mit einem vorläufigen Passwort angemeldet. Wählen Sie Ihr eigenes, um fortzufahren.",
    "change.current": "Vorläufiges Passwort",
    "change.submit": "Speichern und weiter",
    "change.required.current": "Geben Sie das vorläufige Passwort ein, mit dem Sie sich angemeldet haben.",
    "enrol.title": "Zwei-Faktor-Authentifizierung einrichten",
    "enrol.intro": "Ihre Rolle erfordert die Zwei-Faktor-Authentifizierung. Bei der Anmeldung geben Sie zusätzlich zum Passwort einen Code aus einer Authenticator-App auf Ihrem Smartphone ein.",
  },
});

const policy = () => (state.config && state.config.passwordPolicy) || { minLength: 15, maxLength: 128 };

/** afterSignIn handles a login / login-mfa success body. */
function afterSignIn(ctx, body) {
  state.challenge = "";
  state.mfaMethods = [];
  state.passkeyOptions = null;
  switch (body.status) {
    case "mfa_required":
      state.challenge = body.challenge;
      state.mfaMethods = Array.isArray(body.methods) ? body.methods : [];
      state.passkeyOptions = body.passkeyOptions || null;
      return ctx.go("/mfa");
    case "password_change_required":
      state.session = body.session;
      return ctx.go("/change-password");
    case "mfa_enrolment_required":
      state.session = body.session;
      return ctx.go("/mfa-enrolment");
    default:
      state.session = body.session || null;
      return refreshSession().then(() => ctx.go(landingPath()));
  }
}

/* ---------- #/login ---------- */

function login(ctx) {
  const err = errorBox();
  const ssoError = ctx.query.get("error");
  const notice = takeNotice("notice");
  // "webauthn": the browser offers this site's passkeys in the username
  // field's suggestions (conditional mediation, started below).
  const username = field({ label: t("login.username"), name: "username", autocomplete: "username webauthn", required: true,
    attrs: { autocapitalize: "off", spellcheck: "false" } });
  const password = passwordField({ label: t("login.password"), name: "password", autocomplete: "current-password" });
  const submit = h("button", { type: "submit", class: "full" }, t("login.submit"));
  const form = h("form", { novalidate: true, "data-testid": "login-form" }, err, username, password,
    h("div", { class: "form-row-end" }, h("a", { href: "#/forgot", class: "small-link" }, t("login.forgot"))),
    submit);
  [username, password].forEach((f) => f.input.addEventListener("input", () => setFieldError(f, "")));

  // The passkey sign-in: a button (a modal browser prompt), and the
  // autofill request that runs while this screen is shown. Only one browser
  // request runs at a time: the autofill one stops before anything else.
  let done = false; // signed in, or left the screen: no new autofill request
  let autofillTicket = 0;
  let autofillFailures = 0; // a passkey the server keeps refusing is not offered forever
  const stopAutofill = () => { autofillTicket += 1; return stopConditional(); };
  const finishPasskey = async (challenge, credential) => {
    const res = await api("POST", "api/auth/login/passkey/finish", { challenge, credential });
    if (res.ok) {
      done = true;
      return afterSignIn(ctx, res.body);
    }
    err.set(res.code === "invalid_credentials" || res.code === "invalid_request" ? t("login.passkey.failed") : message(res));
  };
  const startAutofill = async () => {
    const ticket = ++autofillTicket;
    if (done || !(await conditionalAvailable())) return;
    const begin = await api("POST", "api/auth/login/passkey/begin", {});
    if (!begin.ok || !begin.body || done || ticket !== autofillTicket || !node.isConnected) return;
    // Marks the form while the browser offers passkeys in the username field.
    form.setAttribute("data-passkey-autofill", "waiting");
    const credential = await getConditional(begin.body.options);
    form.removeAttribute("data-passkey-autofill");
    if (!credential || done || ticket !== autofillTicket || !node.isConnected) return;
    await busyForm(methods, () => finishPasskey(begin.body.challenge, credential));
    autofillFailures += 1;
    if (!done && node.isConnected && autofillFailures < 3) startAutofill();
  };
  const leave = () => {
    done = true;
    stopAutofill();
    window.removeEventListener("hashchange", leave);
  };
  window.addEventListener("hashchange", leave);

  const passkeyButton = passkeysSupported()
    ? h("button", { type: "button", class: "secondary full", "data-action": "passkey-sign-in" }, t("login.passkey"))
    : null;
  if (passkeyButton) {
    passkeyButton.addEventListener("click", () => {
      err.set("");
      clearFieldErrors(form);
      busyForm(methods, async () => {
        await stopAutofill();
        const begin = await api("POST", "api/auth/login/passkey/begin", {});
        if (!begin.ok || !begin.body) { err.set(message(begin)); return; }
        let credential;
        try {
          credential = await getPasskey(begin.body.options);
        } catch (e) {
          // A dismissed prompt just returns to the form.
          if (!cancelled(e)) err.set(t("login.passkey.failed"));
          return;
        }
        await finishPasskey(begin.body.challenge, credential);
      }).finally(() => {
        if (!done && node.isConnected) {
          focusLater(passkeyButton);
          startAutofill();
        }
      });
    });
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    err.set("");
    clearFieldErrors(form);
    const u = username.input.value.trim();
    const p = password.input.value;
    if (!u) setFieldError(username, t("login.required.username"));
    if (!p) setFieldError(password, t("login.required.password"));
    if (!u || !p) { (u ? password : username).input.focus(); return; }
    busyForm(methods, async () => {
      await stopAutofill();
      const res = await api("POST", "api/auth/login", { username: u, password: p });
      if (res.ok) {
        done = true;
        return afterSignIn(ctx, res.body);
      }
      password.input.value = "";
      password.conceal();
      err.set(message(res));
      focusLater(password.input);
      startAutofill();
    });
  });

  const providers = (state.config && state.config.sso && state.config.sso.providers) || [];
  // After SSO the browser comes back to the app's root (under the admin
  // alias, the server adds it), where the session decides the screen.
  const others = providers.length || passkeyButton ? [
    h("div", { class: "sso-buttons" }, passkeyButton, providers.map((p) => h("a", {
      class: "button secondary full", href: `api/auth/sso/${encodeURIComponent(p.id)}/start`,
      "data-provider": p.id,
    }, t("login.sso", { name: p.name || p.id })))),
    h("div", { class: "divider", role: "separator" }, t("login.or")),
  ] : null;
  const methods = h("div", { class: "login-methods" }, others, form);

  const ssoMessage = ssoError && ["sso_failed", "sso_no_account", "sso_inactive"].includes(ssoError)
    ? t(`login.${ssoError}`) : (ssoError ? t("login.sso_failed") : "");

  const node = authCard({
    ctx, testid: "login",
    title: t("login.title"),
    intro: t("login.intro"),
    body: [notice, noticeBox("error", ssoMessage), methods],
    footer: h("p", { class: "hint spoof" }, t("login.spoof")),
  });
  whenAttached(node, () => {
    if (!document.activeElement || document.activeElement.tagName !== "INPUT") focusLater(username.input);
    startAutofill();
  });
  return node;
}

/* ---------- #/mfa ---------- */

function rememberField() {
  const id = uid("remember");
  const hintId = `${id}-hint`;
  const input = h("input", { type: "checkbox", id, name: "rememberDevice", "aria-describedby": hintId });
  const wrapper = h("div", { class: "field checkbox-field remember" },
    h("label", { class: "checkbox", for: id }, input, h("span", {}, t("mfalogin.remember"))),
    h("p", { class: "hint", id: hintId }, t("mfalogin.remember.hint")));
  wrapper.input = input;
  return wrapper;
}

function mfa(ctx) {
  if (!state.challenge) {
    ctx.go("/login", { replace: true });
    return h("div");
  }
  // What the login answer offered; an answer without the list means TOTP.
  const offered = state.mfaMethods.length ? state.mfaMethods : ["totp", "recovery_code"];
  const modes = [
    offered.includes("passkey") && state.passkeyOptions && passkeysSupported() ? "passkey" : null,
    offered.includes("totp") ? "code" : null,
    offered.includes("recovery_code") ? "recovery" : null,
  ].filter(Boolean);
  if (!modes.length) modes.push("code");
  let mode = modes[0];

  const err = errorBox();
  const intro = h("p", { class: "intro" });
  const code = codeField();
  const rc = field({
    label: t("mfalogin.recovery"), name: "recoveryCode", autocomplete: "off", required: true, hint: t("mfalogin.recovery.hint"),
    attrs: { autocapitalize: "off", spellcheck: "false", class: "recovery-input" },
  });
  rc.input.addEventListener("input", () => setFieldError(rc, ""));
  const remember = rememberField();
  const slot = h("div", {});
  const submit = h("button", { type: "submit", class: "full" });
  const toggles = h("p", { class: "method-toggle" });
  const toggleLabel = { passkey: "mfalogin.use.passkey", code: "mfalogin.use.code", recovery: "mfalogin.use.recovery" };
  const introText = { passkey: "mfalogin.intro.passkey", code: "mfalogin.intro", recovery: "mfalogin.intro.recovery" };

  const show = (next, { focus = true } = {}) => {
    mode = next;
    err.set("");
    clearFieldErrors(form);
    slot.replaceChildren(mode === "code" ? code : mode === "recovery" ? rc : "");
    intro.textContent = t(introText[mode]);
    submit.textContent = mode === "passkey" ? t("mfalogin.passkey") : t("mfalogin.submit");
    submit.setAttribute("data-action", mode === "passkey" ? "use-passkey" : "verify");
    toggles.replaceChildren(...modes.filter((m) => m !== mode).map((m) => h("button", {
      type: "button", class: "link-button", "data-action": `use-${m}`, onclick: () => show(m),
    }, t(toggleLabel[m]))));
    if (focus) focusLater(mode === "code" ? code.input : mode === "recovery" ? rc.input : submit);
  };

  const form = h("form", { novalidate: true, "data-testid": "mfa-form" }, err, slot, remember, submit, toggles);
  show(mode, { focus: false });

  const completed = async (body) => {
    const res = await api("POST", "api/auth/login/mfa", { ...body, ...(remember.input.checked ? { rememberDevice: true } : {}) });
    if (res.ok) {
      state.mfaMethods = [];
      state.passkeyOptions = null;
      await afterSignIn(ctx, res.body);
      return null;
    }
    if (res.code === "challenge_invalid" || res.code === "invalid_request") {
      state.challenge = "";
      state.notice = message(res.code === "invalid_request" ? { code: "challenge_invalid" } : res);
      ctx.go("/login");
      return null;
    }
    return res;
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    err.set("");
    clearFieldErrors(form);
    if (mode === "passkey") {
      busyForm(form, async () => {
        let passkey;
        try {
          passkey = await getPasskey(state.passkeyOptions);
        } catch (x) {
          // A dismissed prompt: nothing to say, the choice stays.
          if (!cancelled(x)) err.set(t("mfalogin.passkey.failed"));
          focusLater(submit);
          return;
        }
        const res = await completed({ challenge: state.challenge, passkey });
        if (!res) return;
        err.set(res.code === "invalid_code" ? t("mfalogin.passkey.failed") : message(res));
        focusLater(submit);
      });
      return;
    }
    const recovery = mode === "recovery";
    let body;
    if (recovery) {
      const v = rc.input.value.trim();
      if (!v) { setFieldError(rc, t("mfalogin.recovery.required")); focusLater(rc.input); return; }
      body = { challenge: state.challenge, recoveryCode: v };
    } else {
      const v = readCode(code);
      if (!v) return;
      body = { challenge: state.challenge, code: v };
    }
    busyForm(form, async () => {
      const res = await completed(body);
      if (!res) return;
      const target = recovery ? rc : code;
      target.input.value = "";
      if (res.code === "invalid_code") setFieldError(target, message(res));
      else err.set(message(res));
      focusLater(target.input);
    });
  });

  const node = authCard({
    ctx, testid: "mfa",
    title: t("mfalogin.title"),
    intro,
    body: form,
    footer: [
      h("p", { class: "hint" }, t(modes.includes("passkey") && !modes.includes("code") ? "mfalogin.lost.passkey" : "mfalogin.lost")),
      h("p", {}, h("a", { href: "#/login", onclick: () => { state.challenge = ""; } }, t("mfalogin.back"))),
    ],
  });
  whenAttached(node, () => focusLater(mode === "code" ? code.input : mode === "recovery" ? rc.input : submit));
  return node;
}

/* ---------- #/forgot and #/forgot/sent ---------- */

function forgot(ctx) {
  const err = errorBox();
  const id = field({ label: t("forgot.identifier"), name: "identifier", autocomplete: "username", required: true,
    attrs: { autocapitalize: "off", spellcheck: "false" } });
  id.input.addEventListener("input", () => setFieldError(id, ""));
  const form = h("form", { novalidate: true, "data-testid": "forgot-form" }, err, id,
    h("button", { type: "submit", class: "full" }, t("forgot.submit")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    err.set("");
    clearFieldErrors(form);
    const v = id.input.value.trim();
    if (!v) { setFieldError(id, t("forgot.required")); focusLater(id.input); return; }
    busyForm(form, async () => {
      const res = await api("POST", "api/auth/password/reset", { identifier: v });
      if (res.ok) return ctx.go("/forgot/sent");
      if (res.code === "invalid_request") { setFieldError(id, t("forgot.required")); focusLater(id.input); return; }
      err.set(message(res));
    });
  });
  return authCard({
    ctx, testid: "forgot",
    title: t("forgot.title"),
    intro: t("forgot.intro"),
    body: form,
    footer: h("a", { href: "#/login" }, t("forgot.back")),
  });
}

function forgotSent(ctx) {
  return authCard({
    ctx, testid: "forgot-sent",
    title: t("sent.title"),
    icon: "mail",
    body: [
      h("p", {}, t("sent.text")),
      h("ul", { class: "plain-list" },
        h("li", {}, t("sent.spam")),
        h("li", {}, t("sent.valid")),
        h("li", {}, t("sent.noemail"))),
      h("a", { class: "button primary full", href: "#/login" }, t("sent.back")),
    ],
    footer: h("a", { href: "#/forgot" }, t("sent.again")),
  });
}

/* ---------- #/reset and #/invite ---------- */

// The token is read once from the address, kept in memory only, and removed
// from the address bar so it neither lingers in history nor leaks on screen.
const tokens = { reset: "", invite: "" };

function tokenScreen(kind) {
  const paths = kind === "reset"
    ? { verify: "api/auth/password/reset/verify", confirm: "api/auth/password/reset/confirm" }
    : { verify: "api/auth/invitation/verify", confirm: "api/auth/invitation/accept" };

  return async (ctx) => {
    const fromUrl = ctx.query.get("token");
    if (fromUrl) {
      tokens[kind] = fromUrl;
      history.replaceState(null, "", `${location.pathname}${location.search}#/${kind}`);
    }
    const token = tokens[kind];
    const card = (opts) => authCard({ ctx, testid: kind, ...opts });

    const invalid = () => card({
      title: t("reset.invalid.title"),
      icon: "warn",
      body: [
        h("p", {}, t(kind === "reset" ? "reset.invalid.text" : "invite.invalid.text")),
        kind === "reset"
          ? h("a", { class: "button primary full", href: "#/forgot" }, t("reset.invalid.again"))
          : h("a", { class: "button primary full", href: "#/login" }, t("reset.done.back")),
      ],
      footer: kind === "reset" ? h("a", { href: "#/login" }, t("forgot.back")) : null,
    });

    if (!token) return invalid();
    const check = await api("POST", paths.verify, { token });
    if (!check.ok) {
      if (check.code === "token_invalid" || check.code === "invalid_request" || check.code === "not_found") {
        tokens[kind] = "";
        return invalid();
      }
      return card({ title: t(`${kind}.title`), body: h("div", { class: "error", role: "alert" }, message(check)) });
    }
    const username = (check.body && check.body.username) || "";

    const err = errorBox();
    const pw = newPasswordFields({
      policy: policy(), names: { password: "password", repeat: "passwordRepeat" },
    });
    // A hidden username field lets password managers store the new login correctly.
    const userHint = h("input", { type: "text", name: "username", autocomplete: "username", value: username,
      hidden: true, readonly: true, tabindex: "-1", "aria-hidden": "true" });
    const form = h("form", { novalidate: true, "data-testid": `${kind}-form` }, err, userHint, ...pw.nodes,
      h("button", { type: "submit", class: "full" }, t(kind === "reset" ? "reset.submit" : "invite.submit")));
    const root = h("div", {});
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      err.set("");
      if (!pw.check()) return;
      busyForm(form, async () => {
        const res = await api("POST", paths.confirm, { token, password: pw.value(), passwordRepeat: pw.repeat.input.value });
        if (res.ok) {
          tokens[kind] = "";
          const done = card({
            title: t(`${kind}.done.title`),
            icon: "ok",
            body: [
              h("p", {}, t(`${kind}.done.text`)),
              h("a", { class: "button primary full", href: "#/login" }, t("reset.done.back")),
            ],
          });
          root.replaceChildren(done);
          const h1 = done.querySelector("h1");
          h1.setAttribute("tabindex", "-1");
          h1.focus();
          return;
        }
        if (res.code === "token_invalid") {
          tokens[kind] = "";
          root.replaceChildren(invalid());
          return;
        }
        if (res.code === "password_policy") {
          const rest = showViolations(violations(res), { password: pw.password, passwordRepeat: pw.repeat });
          err.set(rest.length ? `${message(res)} ${rest.join("; ")}` : message(res));
          return;
        }
        if (res.code === "password_mismatch") { setFieldError(pw.repeat, message(res)); focusLater(pw.repeat.input); return; }
        err.set(message(res));
      });
    });
    root.append(card({
      title: t(`${kind}.title`),
      intro: h("p", { class: "intro" }, t(`${kind}.for`, { username: "\u0000" }).split("\u0000").flatMap((part, i) => (i ? [h("strong", { "data-testid": "token-username" }, username), part] : [part]))),
      body: form,
      footer: kind === "reset" ? h("a", { href: "#/login" }, t("forgot.back")) : null,
    }));
    return root;
  };
}

/* ---------- #/change-password (restricted) ---------- */

function changePassword(ctx) {
  const err = errorBox();
  const current = passwordField({ label: t("change.current"), name: "currentPassword", autocomplete: "current-password" });
  current.input.addEventListener("input", () => setFieldError(current, ""));
  const pw = newPasswordFields({ policy: policy() });
  const user = state.session.user;
  const userHint = h("input", { type: "text", name: "username", autocomplete: "username", value: user.username,
    hidden: true, readonly: true, tabindex: "-1", "aria-hidden": "true" });
  const form = h("form", { novalidate: true, "data-testid": "change-password-form" }, err, userHint, current, ...pw.nodes,
    h("button", { type: "submit", class: "full" }, t("change.submit")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    err.set("");
    clearFieldErrors(form);
    if (!current.input.value) { setFieldError(current, t("change.required.current")); focusLater(current.input); return; }
    if (!pw.check()) return;
    busyForm(form, async () => {
      const { res, handled } = await submitPasswordChange({ current, pw, err });
      if (res.ok) {
        await refreshSession();
        return ctx.go(landingPath());
      }
      if (handled) return;
      if (res.code === "unauthenticated") {
        state.session = null;
        state.notice = message(res);
        return ctx.go("/login");
      }
      err.set(message(res));
    });
  });
  return authCard({
    ctx, testid: "change-password",
    title: t("change.title"),
    intro: t("change.intro"),
    body: form,
    footer: signOutButton(ctx),
  });
}

/* ---------- #/mfa-enrolment (restricted) ---------- */

function mfaEnrolment(ctx) {
  const flow = totpEnrolment({
    headingLevel: 2,
    onDone: async () => {
      await refreshSession();
      ctx.go(landingPath());
    },
  });
  return authCard({
    ctx, testid: "mfa-enrolment-screen", wide: true,
    title: t("enrol.title"),
    intro: h("p", { class: "intro" }, t("enrol.intro")),
    body: flow,
    footer: signOutButton(ctx),
  });
}

route("/login", "public", login, { title: () => t("login.title") });
route("/mfa", "public", mfa, { title: () => t("mfalogin.title") });
route("/forgot", "public", forgot, { title: () => t("forgot.title") });
route("/forgot/sent", "public", forgotSent, { title: () => t("sent.title") });
route("/reset", "public", tokenScreen("reset"), { title: () => t("reset.title") });
route("/invite", "public", tokenScreen("invite"), { title: () => t("invite.title") });
route("/change-password", "restricted", changePassword, { title: () => t("change.title") });
route("/mfa-enrolment", "restricted", mfaEnrolment, { title: () => t("enrol.title") });
