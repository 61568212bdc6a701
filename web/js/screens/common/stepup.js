// "Confirm it's you": the step-up dialog. api.js asks for it (main.js
// registers stepUpDialog with onStepUp) when a sensitive admin call answers
// 403 step_up_required — the session's sign-in is older than the server's
// window. It asks for the password, plus the second factor when the account
// has one — a 6-digit code, or a passkey (POST api/auth/reauth/passkey/begin,
// then the browser's prompt), with the choice when it has both — and POSTs
// api/auth/reauth; api.js then retries the call, so no screen has to know
// about step-up.
//
// SSO accounts have no password here: they confirm by signing in through
// their provider again, which leaves the page and comes back to where they
// were (the change is then done once more).
import { api, message, violations } from "../../api.js";
import { errorBox, h } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { go } from "../../router.js";
import { state } from "../../state.js";
import { cancelButton, openDialog } from "./dialog.js";
import { busyForm, clearFieldErrors, focusLater, setFieldError, showViolations } from "./forms.js";
import { codeField, readCode } from "./mfa.js";
import { passwordField } from "./password.js";
import { cancelled, get as getPasskey } from "../../webauthn.js";

register({
  en: {
    "stepup.title": "Confirm it's you",
    "stepup.text": "This change needs a recent sign-in. Enter your password to continue.",
    "stepup.text.totp": "This change needs a recent sign-in. Enter your password and a code from your authenticator app to continue.",
    "stepup.password": "Password",
    "stepup.password.required": "Enter your password.",
    "stepup.code.required": "Enter the 6-digit code from your authenticator app as well.",
    "stepup.text.passkey": "This change needs a recent sign-in. Enter your password, then confirm with your passkey.",
    "stepup.text.choice": "This change needs a recent sign-in. Enter your password, then confirm with your passkey or a code from your authenticator app.",
    "stepup.passkey.hint": "When you confirm, your browser asks for your passkey.",
    "stepup.passkey.failed": "That passkey was not accepted. Try again.",
    "stepup.use.code": "Use a code from the app instead",
    "stepup.use.passkey": "Use your passkey instead",
    "stepup.submit": "Confirm",
    "stepup.sso.text": "You signed in with single sign-on. To confirm it's you, sign in with your provider again. You'll come back to this page; then make the change once more.",
    "stepup.sso.button": "Sign in again with {name}",
    "stepup.sso.none": "Sign out and sign in again with single sign-on, then make the change once more.",
  },
  de: {
    "stepup.title": "Bestätigen Sie Ihre Identität",
    "stepup.text": "Für diese Änderung ist eine aktuelle Anmeldung nötig. Geben Sie Ihr Passwort ein, um fortzufahren.",
    "stepup.text.totp": "Für diese Änderung ist eine aktuelle Anmeldung nötig. Geben Sie Ihr Passwort und einen Code aus Ihrer Authenticator-App ein, um fortzufahren.",
    "stepup.password": "Passwort",
    "stepup.password.required": "Geben Sie Ihr Passwort ein.",
    "stepup.code.required": "Geben Sie auch den 6-stelligen Code aus Ihrer Authenticator-App ein.",
    "stepup.text.passkey": "Für diese Änderung ist eine aktuelle Anmeldung nötig. Geben Sie Ihr Passwort ein und bestätigen Sie dann mit Ihrem Passkey.",
    "stepup.text.choice": "Für diese Änderung ist eine aktuelle Anmeldung nötig. Geben Sie Ihr Passwort ein und bestätigen Sie dann mit Ihrem Passkey oder einem Code aus Ihrer Authenticator-App.",
    "stepup.passkey.hint": "Wenn Sie bestätigen, fragt Ihr Browser nach Ihrem Passkey.",
    "stepup.passkey.failed": "Dieser Passkey wurde nicht akzeptiert. Versuchen Sie es erneut.",
    "stepup.use.code": "Stattdessen einen Code aus der App verwenden",
    "stepup.use.passkey": "Stattdessen den Passkey verwenden",
    "stepup.submit": "Bestätigen",
    "stepup.sso.text": "Sie haben sich per Single Sign-on angemeldet. Um Ihre Identität zu bestätigen, melden Sie sich erneut bei Ihrem Anbieter an. Danach kehren Sie auf diese Seite zurück; nehmen Sie die Änderung dann noch einmal vor.",
    "stepup.sso.button": "Erneut mit {name} anmelden",
    "stepup.sso.none": "Melden Sie sich ab und per Single Sign-on erneut an; nehmen Sie die Änderung dann noch einmal vor.",
  },
});

/**
 * stepUpDialog asks the signed-in person to prove again who they are.
 * Resolves true once POST api/auth/reauth succeeded (the session's cookie is
 * renewed), false when they cancelled (Cancel, Escape, a click outside).
 */
export function stepUpDialog() {
  const session = state.session;
  if (!session || !session.user) return Promise.resolve(false);
  const sso = Boolean(session.user.sso);
  const totp = Boolean(session.mfa && session.mfa.totp);
  const passkey = Boolean(session.mfa && session.mfa.passkeys > 0);
  const text = passkey && totp ? "stepup.text.choice" : passkey ? "stepup.text.passkey" : totp ? "stepup.text.totp" : "stepup.text";
  const handle = openDialog({
    title: t("stepup.title"),
    description: sso ? t("stepup.sso.text") : t(text),
    content: (dlg) => (sso ? ssoChoice(dlg) : proofForm(dlg, session, { totp, passkey })),
  });
  handle.dialog.setAttribute("data-testid", "step-up");
  return handle.closed.then((v) => v === true);
}

/**
 * proofForm is the password form plus the second factor: a code field, or
 * the passkey (asked for on Confirm), with a switch when the account has
 * both. It closes the dialog with true once proved.
 */
function proofForm(dlg, session, factors) {
  const err = errorBox();
  const pw = passwordField({ label: t("stepup.password"), name: "password", autocomplete: "current-password" });
  pw.input.addEventListener("input", () => setFieldError(pw, ""));
  let code = factors.totp ? codeField() : null;
  // "passkey", "code" or "" (the password alone)
  let mode = factors.passkey ? "passkey" : factors.totp ? "code" : "";
  const codeSlot = h("div", {});
  const toggle = h("p", { class: "method-toggle left" });
  const showMode = (next, focus) => {
    mode = next;
    err.set("");
    if (code) setFieldError(code, "");
    codeSlot.replaceChildren(mode === "code" ? code : mode === "passkey" ? h("p", { class: "hint" }, t("stepup.passkey.hint")) : "");
    toggle.replaceChildren(factors.passkey && factors.totp ? h("button", {
      type: "button", class: "link-button", "data-action": mode === "code" ? "use-passkey" : "use-code",
      onclick: () => showMode(mode === "code" ? "passkey" : "code", true),
    }, t(mode === "code" ? "stepup.use.passkey" : "stepup.use.code")) : "");
    if (focus && mode === "code") code.input.focus();
  };
  showMode(mode, false);
  // Lets a password manager offer the right login.
  const userHint = h("input", { type: "text", name: "username", autocomplete: "username", value: session.user.username || "",
    hidden: true, readonly: true, tabindex: "-1", "aria-hidden": "true" });
  const submit = h("button", { type: "submit", class: "primary" }, t("stepup.submit"));
  const form = h("form", { novalidate: true, "data-testid": "step-up-form" }, err, userHint, pw, codeSlot, toggle,
    h("div", { class: "actions end" },
      cancelButton(dlg),
      submit));

  // No Escape while the proof is on its way: its answer decides the result.
  dlg.dialog.addEventListener("cancel", (e) => { if (form.hasAttribute("aria-busy")) e.preventDefault(); });

  /** proof builds the reauth body's second factor; null when there is none (the person cancelled, or it failed). */
  const proof = async () => {
    if (mode === "code") {
      const value = readCode(code);
      return value ? { code: value } : null;
    }
    if (mode !== "passkey") return {};
    const begin = await api("POST", "api/auth/reauth/passkey/begin", {});
    if (!begin.ok || !begin.body) { err.set(message(begin)); return null; }
    try {
      return { challenge: begin.body.challenge, passkey: await getPasskey(begin.body.options) };
    } catch (e) {
      // A dismissed prompt: back to the dialog, quietly.
      if (!cancelled(e)) err.set(t("stepup.passkey.failed"));
      focusLater(submit);
      return null;
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    err.set("");
    clearFieldErrors(form);
    const password = pw.input.value;
    if (!password) {
      setFieldError(pw, t("stepup.password.required"));
      focusLater(pw.input);
      return;
    }
    if (mode === "code" && !readCode(code)) return;
    busyForm(form, async () => {
      const second = await proof();
      if (!second) return;
      const res = await api("POST", "api/auth/reauth", { password, ...second });
      if (res.ok) {
        dlg.close(true);
        return;
      }
      switch (res.code) {
        case "current_password_invalid":
          pw.input.value = "";
          pw.conceal();
          setFieldError(pw, message(res));
          focusLater(pw.input);
          return;
        case "invalid_code":
          if (mode === "passkey") {
            err.set(t("stepup.passkey.failed"));
            focusLater(submit);
            return;
          }
          if (!code || mode !== "code") break;
          code.input.value = "";
          setFieldError(code, message(res));
          focusLater(code.input);
          return;
        case "invalid_request": {
          const found = violations(res);
          if (found.code && mode === "") {
            // Two-factor was turned on since the session document was read.
            code = codeField();
            showMode("code", false);
            setFieldError(code, t("stepup.code.required"));
            focusLater(code.input);
            return;
          }
          const rest = showViolations(found, mode === "code" ? { password: pw, code } : { password: pw });
          if (rest.length || !Object.keys(found).length) err.set(rest.length ? rest.join(" ") : message(res));
          return;
        }
        case "sso_account": {
          // The account became an SSO one since the session document was read.
          const desc = document.getElementById(dlg.dialog.getAttribute("aria-describedby") || "");
          if (desc) desc.textContent = t("stepup.sso.text");
          dlg.setContent(ssoChoice(dlg));
          return;
        }
        case "unauthenticated":
          // The session ended meanwhile: nothing to confirm any more.
          state.session = null;
          state.notice = message(res);
          dlg.close(false);
          go("/login");
          return;
        default:
          break;
      }
      err.set(message(res));
    });
  });
  return form;
}

/**
 * ssoChoice offers the way back in for an SSO account: sign in through the
 * provider again, returning to this very screen, or cancel.
 */
function ssoChoice(dlg) {
  const providers = (state.config && state.config.sso && state.config.sso.providers) || [];
  // The server adds the admin alias in front of returnTo itself.
  const returnTo = `/${location.hash || "#/"}`;
  return [
    providers.length ? null : h("p", {}, t("stepup.sso.none")),
    h("div", { class: "actions end" },
      cancelButton(dlg),
      providers.map((p, i) => h("a", {
        class: "button primary", "data-provider": p.id, autofocus: i === 0,
        href: `api/auth/sso/${encodeURIComponent(p.id)}/start?returnTo=${encodeURIComponent(returnTo)}`,
      }, t("stepup.sso.button", { name: p.name || p.id })))),
  ];
}
