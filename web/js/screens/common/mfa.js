// Two-factor pieces shared by the forced enrolment screen (#/mfa-enrolment)
// and the account settings: the three-step TOTP set-up (password → QR code
// and key → code) and the one-time display of recovery codes (list,
// Download as a text file, Copy, "I have saved them").
import { api, message } from "../../api.js";
import { errorBox, field, formatDate, h, replace, uid } from "../../dom.js";
import { locale, register, t } from "../../i18n.js";
import { state } from "../../state.js";
import { busyForm, clearFieldErrors, focusLater, setFieldError } from "./forms.js";
import { passwordField } from "./password.js";

register({
  en: {
    "mfa.step": "Step {n} of 3",
    "mfa.password.title": "Confirm it's you",
    "mfa.password.text": "Enter your password to start setting up two-factor authentication.",
    "mfa.password": "Password",
    "mfa.start": "Continue",
    "mfa.scan.title": "Connect your authenticator app",
    "mfa.scan.1": "Open an authenticator app on your phone, for example Microsoft Authenticator, Google Authenticator or 1Password.",
    "mfa.scan.2": "Add an account and scan this QR code.",
    "mfa.scan.3": "Enter the 6-digit code the app shows.",
    "mfa.qr.alt": "QR code to add your {tenant} Backoffice account to an authenticator app",
    "mfa.manual": "Can't scan? Enter this key instead:",
    "mfa.manual.label": "Setup key",
    "mfa.copy": "Copy",
    "mfa.copy.key": "Copy setup key",
    "mfa.copied": "Copied to the clipboard.",
    "mfa.copy.failed": "Copying didn't work. Select the text and copy it yourself.",
    "mfa.expires": "Finish the set-up by {time}.",
    "mfa.code": "6-digit code",
    "mfa.code.hint": "The code changes every 30 seconds.",
    "mfa.code.invalid": "Enter the 6 digits from your app.",
    "mfa.activate": "Turn on two-factor",
    "mfa.expired": "The set-up took too long and has expired. Please start again.",
    "mfa.restart": "Start again",
    "mfa.already": "Two-factor authentication is already turned on for your account.",
    "mfa.codes.title": "Save your recovery codes",
    "mfa.codes.text": "If you lose your phone, each of these codes lets you sign in once instead of a 6-digit code. They are shown only now.",
    "mfa.codes.keep": "Keep them somewhere safe, such as a password manager — not on the same phone.",
    "mfa.codes.list": "Recovery codes",
    "mfa.codes.download": "Download",
    "mfa.codes.copy": "Copy codes",
    "mfa.codes.done": "I have saved them",
    "mfa.codes.file.title": "{tenant} Backoffice — recovery codes",
    "mfa.codes.file.account": "Account: {username}",
    "mfa.codes.file.created": "Created: {time}",
    "mfa.codes.file.note": "Each code works once. Generating new codes makes these stop working.",
  },
  de: {
    "mfa.step": "Schritt {n} von 3",
    "mfa.password.title": "Bestätigen Sie Ihre Identität",
    "mfa.password.text": "Geben Sie Ihr Passwort ein, um die Zwei-Faktor-Authentifizierung einzurichten.",
    "mfa.password": "Passwort",
    "mfa.start": "Weiter",
    "mfa.scan.title": "Authenticator-App verbinden",
    "mfa.scan.1": "Öffnen Sie eine Authenticator-App auf Ihrem Smartphone, zum Beispiel Microsoft Authenticator, Google Authenticator oder 1Password.",
    "mfa.scan.2": "Fügen Sie ein Konto hinzu und scannen Sie diesen QR-Code.",
    "mfa.scan.3": "Geben Sie den 6-stelligen Code ein, den die App anzeigt.",
    "mfa.qr.alt": "QR-Code, um Ihr {tenant}-Backoffice-Konto zu einer Authenticator-App hinzuzufügen",
    "mfa.manual": "Scannen nicht möglich? Geben Sie stattdessen diesen Schlüssel ein:",
    "mfa.manual.label": "Einrichtungsschlüssel",
    "mfa.copy": "Kopieren",
    "mfa.copy.key": "Einrichtungsschlüssel kopieren",
    "mfa.copied": "In die Zwischenablage kopiert.",
    "mfa.copy.failed": "Kopieren hat nicht funktioniert. Markieren und kopieren Sie den Text bitte selbst.",
    "mfa.expires": "Schließen Sie die Einrichtung bis {time} ab.",
    "mfa.code": "6-stelliger Code",
    "mfa.code.hint": "Der Code ändert sich alle 30 Sekunden.",
    "mfa.code.invalid": "Geben Sie die 6 Ziffern aus Ihrer App ein.",
    "mfa.activate": "Zwei-Faktor einschalten",
    "mfa.expired": "Die Einrichtung hat zu lange gedauert und ist abgelaufen. Bitte beginnen Sie erneut.",
    "mfa.restart": "Neu beginnen",
    "mfa.already": "Die Zwei-Faktor-Authentifizierung ist für Ihr Konto bereits eingeschaltet.",
    "mfa.codes.title": "Wiederherstellungscodes sichern",
    "mfa.codes.text": "Falls Sie Ihr Smartphone verlieren, können Sie sich mit jedem dieser Codes einmal anstelle eines 6-stelligen Codes anmelden. Sie werden nur jetzt angezeigt.",
    "mfa.codes.keep": "Bewahren Sie sie sicher auf, etwa in einem Passwort-Manager – nicht auf demselben Smartphone.",
    "mfa.codes.list": "Wiederherstellungscodes",
    "mfa.codes.download": "Herunterladen",
    "mfa.codes.copy": "Codes kopieren",
    "mfa.codes.done": "Ich habe sie gesichert",
    "mfa.codes.file.title": "{tenant} Backoffice – Wiederherstellungscodes",
    "mfa.codes.file.account": "Konto: {username}",
    "mfa.codes.file.created": "Erstellt: {time}",
    "mfa.codes.file.note": "Jeder Code funktioniert einmal. Wenn Sie neue Codes erzeugen, werden diese ungültig.",
  },
});

/** recoveryCodesTitle is the heading of the recovery codes step. */
export function recoveryCodesTitle() {
  return t("mfa.codes.title");
}

function heading(level, text) {
  return h(`h${level}`, {}, text);
}

function tenant() {
  return (state.config && state.config.tenant) || "";
}

/** copyText copies text and reports the outcome in status (a live region). */
export async function copyText(text, status) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch { ok = false; }
  if (status) {
    status.textContent = ok ? t("mfa.copied") : t("mfa.copy.failed");
    status.hidden = false;
  }
  return ok;
}

/** codeField is the 6-digit one-time code input. */
export function codeField({ label = t("mfa.code"), name = "code", hint = t("mfa.code.hint") } = {}) {
  const f = field({
    label, name, autocomplete: "one-time-code", required: true, hint,
    attrs: { inputmode: "numeric", pattern: "[0-9 ]{6,7}", maxlength: "7", class: "code-input", spellcheck: "false" },
  });
  f.input.addEventListener("input", () => setFieldError(f, ""));
  return f;
}

/** readCode returns the 6 digits of a code field, or "" (and marks the field). */
export function readCode(f) {
  const code = f.input.value.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(code)) {
    setFieldError(f, t("mfa.code.invalid"));
    focusLater(f.input);
    return "";
  }
  return code;
}

/**
 * recoveryCodesView shows codes once: list, Download, Copy, "I have saved them".
 * {codes, onDone, headingLevel (0: no heading, e.g. in a dialog titled by
 * recoveryCodesTitle()), doneLabel}
 */
export function recoveryCodesView({ codes, onDone, headingLevel = 2, doneLabel = t("mfa.codes.done") }) {
  const user = (state.session && state.session.user) || {};
  const text = [
    t("mfa.codes.file.title", { tenant: tenant() }).trim(),
    t("mfa.codes.file.account", { username: user.username || "" }),
    t("mfa.codes.file.created", { time: formatDate(new Date().toISOString(), locale()) }),
    "",
    ...codes,
    "",
    t("mfa.codes.file.note"),
    "",
  ].join("\n");
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const file = `${(tenant() || "backoffice").replace(/[^\w-]+/g, "-")}-recovery-codes.txt`;
  const status = h("p", { class: "copy-status", role: "status", hidden: true });
  const listId = uid("codes");
  const done = h("button", {
    type: "button", class: "primary", "data-action": "codes-done",
    onclick: () => { URL.revokeObjectURL(url); onDone(); },
  }, doneLabel);
  return h("div", { class: "recovery-codes", "data-testid": "recovery-codes" },
    headingLevel ? heading(headingLevel, t("mfa.codes.title")) : null,
    h("p", {}, t("mfa.codes.text")),
    h("p", { class: "muted" }, t("mfa.codes.keep")),
    h("ol", { class: "codes", id: listId, "aria-label": t("mfa.codes.list") },
      codes.map((c) => h("li", { "data-code": c }, c))),
    h("div", { class: "actions" },
      h("a", { class: "button secondary", href: url, download: file }, t("mfa.codes.download")),
      h("button", { type: "button", class: "secondary", onclick: () => copyText(codes.join("\n"), status) }, t("mfa.codes.copy"))),
    status,
    h("div", { class: "actions" }, done));
}

/**
 * totpEnrolment is the set-up flow: password → QR/key + code → recovery codes.
 * {onDone(): after the codes are saved, onCancel(): optional Cancel,
 *  headingLevel: for the step headings, onStep(n): told when the step changes}
 */
export function totpEnrolment({ onDone, onCancel, headingLevel = 2, onStep } = {}) {
  const root = h("div", { class: "enrolment", "data-testid": "mfa-enrolment" });
  const show = (n, ...nodes) => {
    replace(root, h("p", { class: "step-label" }, t("mfa.step", { n })), ...nodes);
    if (onStep) onStep(n);
    const first = root.querySelector("input, h2, h3");
    if (first && root.isConnected) {
      if (!first.matches("input")) first.setAttribute("tabindex", "-1");
      first.focus();
    }
  };
  const cancel = onCancel
    ? h("button", { type: "button", class: "secondary", onclick: onCancel }, t("common.cancel")) : null;

  function stepPassword() {
    const err = errorBox();
    const pw = passwordField({ label: t("mfa.password"), name: "password", autocomplete: "current-password" });
    const form = h("form", { novalidate: true }, err, pw,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("mfa.start")), cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      err.set("");
      clearFieldErrors(form);
      if (!pw.input.value) { setFieldError(pw, t("pw.error.required")); focusLater(pw.input); return; }
      busyForm(form, async () => {
        const res = await api("POST", "api/auth/mfa/totp/enrol", { password: pw.input.value });
        if (res.ok) return stepScan(res.body);
        pw.input.value = "";
        if (res.code === "current_password_invalid") { setFieldError(pw, message(res)); focusLater(pw.input); return; }
        err.set(res.code === "conflict" ? t("mfa.already") : message(res));
      });
    });
    show(1, heading(headingLevel, t("mfa.password.title")), h("p", {}, t("mfa.password.text")), form);
  }

  function stepScan(enrol) {
    const err = errorBox();
    const status = h("p", { class: "copy-status", role: "status", hidden: true });
    const grouped = (enrol.secret.match(/.{1,4}/g) || []).join(" ");
    const code = codeField();
    const restart = h("button", { type: "button", class: "secondary", hidden: true, onclick: stepPassword }, t("mfa.restart"));
    const form = h("form", { novalidate: true }, err, code,
      h("div", { class: "actions" }, h("button", { type: "submit" }, t("mfa.activate")), restart, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      err.set("");
      clearFieldErrors(form);
      const value = readCode(code);
      if (!value) return;
      busyForm(form, async () => {
        const res = await api("POST", "api/auth/mfa/totp/activate", { code: value });
        if (res.ok) {
          // Codes come with an account's first second factor only: after a
          // passkey, the app joins the codes the account already has.
          const codes = (res.body && res.body.recoveryCodes) || [];
          return codes.length ? stepCodes(codes) : onDone();
        }
        code.input.value = "";
        if (res.code === "invalid_code") { setFieldError(code, message(res)); focusLater(code.input); return; }
        if (res.code === "conflict") { err.set(t("mfa.expired")); restart.hidden = false; return; }
        err.set(message(res));
      });
    });
    const expires = enrol.expiresAt
      ? h("p", { class: "hint" }, t("mfa.expires", { time: new Intl.DateTimeFormat(locale(), { timeStyle: "short" }).format(new Date(enrol.expiresAt)) }))
      : null;
    show(2,
      heading(headingLevel, t("mfa.scan.title")),
      h("div", { class: "scan" },
        h("img", { class: "qr", src: enrol.qrCode, alt: t("mfa.qr.alt", { tenant: tenant() }).replace("  ", " "), width: 200, height: 200 }),
        h("ol", { class: "scan-steps" },
          h("li", {}, t("mfa.scan.1")),
          h("li", {}, t("mfa.scan.2")),
          h("li", {}, t("mfa.scan.3")))),
      h("div", { class: "manual-key" },
        h("p", { class: "hint" }, t("mfa.manual")),
        h("div", { class: "secret-row" },
          h("code", { class: "secret", "aria-label": t("mfa.manual.label"), "data-testid": "totp-secret" }, grouped),
          h("button", {
            type: "button", class: "secondary", "aria-label": t("mfa.copy.key"),
            onclick: () => copyText(enrol.secret, status),
          }, t("mfa.copy"))),
        status),
      form,
      expires);
  }

  function stepCodes(codes) {
    show(3, recoveryCodesView({ codes, onDone, headingLevel }));
  }

  stepPassword();
  return root;
}
