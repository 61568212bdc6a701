// Password inputs, reusable by every screen (the admin screens too):
//
//   passwordField({label, name, autocomplete})  a labelled password input with
//       a Show/Hide toggle; the input is wrapper.input.
//   newPasswordFields({policy, labels})          "New password" + "Repeat" with
//       live policy hints from config.passwordPolicy (length counted in code
//       points, composition rules when required, static advice), a live
//       "match" hint, and check() for the client-side check before submitting.
//   policyChecks(password, policy)               the rule list, for other uses.
import { api, message, violations } from "../../api.js";
import { h, uid } from "../../dom.js";
import { register, t } from "../../i18n.js";
import { focusLater, setFieldError, showViolations } from "./forms.js";

register({
  en: {
    "pw.show": "Show",
    "pw.hide": "Hide",
    "pw.show.label": "Show password",
    "pw.hide.label": "Hide password",
    "pw.new": "New password",
    "pw.repeat": "Repeat new password",
    "pw.rules": "Your password needs",
    "pw.rule.minLength": "At least {n} characters",
    "pw.rule.maxLength": "At most {n} characters",
    "pw.rule.upper": "An uppercase letter",
    "pw.rule.lower": "A lowercase letter",
    "pw.rule.digit": "A digit",
    "pw.rule.symbol": "A symbol or space",
    "pw.rule.advice": "Avoid common passwords and your own or the company's name. A few unrelated words make a strong passphrase.",
    "pw.rule.met": "Met:",
    "pw.rule.unmet": "Not yet met:",
    "pw.count": "{n} characters",
    "pw.match": "Both entries match",
    "pw.nomatch": "The entries don't match yet",
    "pw.error.short": "Use at least {n} characters.",
    "pw.error.long": "Use at most {n} characters.",
    "pw.error.rules": "The password doesn't meet all the requirements listed.",
    "pw.error.repeat": "Repeat the new password exactly.",
    "pw.error.required": "Enter a password.",
  },
  de: {
    "pw.show": "Anzeigen",
    "pw.hide": "Verbergen",
    "pw.show.label": "Passwort anzeigen",
    "pw.hide.label": "Passwort verbergen",
    "pw.new": "Neues Passwort",
    "pw.repeat": "Neues Passwort wiederholen",
    "pw.rules": "Ihr Passwort braucht",
    "pw.rule.minLength": "Mindestens {n} Zeichen",
    "pw.rule.maxLength": "Höchstens {n} Zeichen",
    "pw.rule.upper": "Einen Großbuchstaben",
    "pw.rule.lower": "Einen Kleinbuchstaben",
    "pw.rule.digit": "Eine Ziffer",
    "pw.rule.symbol": "Ein Sonderzeichen oder Leerzeichen",
    "pw.rule.advice": "Vermeiden Sie gängige Passwörter sowie Ihren Namen oder den des Unternehmens. Einige zusammenhanglose Wörter ergeben eine starke Passphrase.",
    "pw.rule.met": "Erfüllt:",
    "pw.rule.unmet": "Noch nicht erfüllt:",
    "pw.count": "{n} Zeichen",
    "pw.match": "Beide Eingaben stimmen überein",
    "pw.nomatch": "Die Eingaben stimmen noch nicht überein",
    "pw.error.short": "Verwenden Sie mindestens {n} Zeichen.",
    "pw.error.long": "Verwenden Sie höchstens {n} Zeichen.",
    "pw.error.rules": "Das Passwort erfüllt noch nicht alle genannten Anforderungen.",
    "pw.error.repeat": "Wiederholen Sie das neue Passwort genau.",
    "pw.error.required": "Geben Sie ein Passwort ein.",
  },
});

/** length counts code points, as the server does (an emoji is one character). */
export function passwordLength(pw) {
  return [...(pw || "")].length;
}

/** policyChecks lists the policy's rules for pw: [{id, text, met}]. */
export function policyChecks(pw, policy = {}) {
  const p = pw || "";
  const min = policy.minLength || 8;
  const rules = [{ id: "minLength", text: t("pw.rule.minLength", { n: min }), met: passwordLength(p) >= min }];
  if (policy.requireUppercase) rules.push({ id: "upper", text: t("pw.rule.upper"), met: /[\p{Lu}\p{Lt}]/u.test(p) });
  if (policy.requireLowercase) rules.push({ id: "lower", text: t("pw.rule.lower"), met: /\p{Ll}/u.test(p) });
  if (policy.requireDigit) rules.push({ id: "digit", text: t("pw.rule.digit"), met: /\p{Nd}/u.test(p) });
  if (policy.requireSymbol) rules.push({ id: "symbol", text: t("pw.rule.symbol"), met: /[\p{P}\p{S}\s]/u.test(p) });
  if (policy.maxLength && passwordLength(p) > policy.maxLength) {
    rules.push({ id: "maxLength", text: t("pw.rule.maxLength", { n: policy.maxLength }), met: false });
  }
  return rules;
}

/**
 * passwordField is a labelled password input with a Show/Hide toggle.
 * {label, name, autocomplete, required, hint, attrs}; the input is wrapper.input.
 */
export function passwordField({ label, name, autocomplete = "current-password", required = true, hint, attrs = {} }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", {
    id, name, type: "password", autocomplete, required, spellcheck: "false", autocapitalize: "off",
    "aria-describedby": hintId, ...attrs,
  });
  const toggle = h("button", {
    type: "button", class: "pw-toggle", "aria-controls": id, "aria-pressed": "false", "aria-label": t("pw.show.label"),
  }, t("pw.show"));
  toggle.addEventListener("click", () => {
    const show = input.type === "password";
    input.type = show ? "text" : "password";
    toggle.textContent = show ? t("pw.hide") : t("pw.show");
    toggle.setAttribute("aria-label", show ? t("pw.hide.label") : t("pw.show.label"));
    toggle.setAttribute("aria-pressed", String(show));
  });
  const wrapper = h("div", { class: "field" },
    h("label", { for: id }, label),
    h("div", { class: "pw-wrap" }, input, toggle),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null);
  wrapper.input = input;
  /** conceal switches back to hidden (e.g. after submitting). */
  wrapper.conceal = () => { if (input.type === "text") toggle.click(); };
  return wrapper;
}

/**
 * newPasswordFields builds "new password" + "repeat" with live hints.
 *  policy: config.passwordPolicy
 *  labels: {password, repeat} (optional)
 *  names:  {password, repeat} input names (default newPassword / newPasswordRepeat)
 * Returns {nodes, password, repeat, check(), value(), reset()}:
 *  password / repeat are field wrappers (wrapper.input), check() marks the
 *  fields and returns true when the entries may be sent.
 */
export function newPasswordFields({ policy = {}, labels = {}, names = {} } = {}) {
  const password = passwordField({
    label: labels.password || t("pw.new"), name: names.password || "newPassword", autocomplete: "new-password",
  });
  const repeat = passwordField({
    label: labels.repeat || t("pw.repeat"), name: names.repeat || "newPasswordRepeat", autocomplete: "new-password",
  });
  const listId = uid("pw-rules");
  const list = h("ul", { class: "policy", id: listId });
  const count = h("span", { class: "pw-count", "aria-hidden": "true" });
  const rulesBox = h("div", { class: "pw-rules" },
    h("p", { class: "pw-rules-title" }, h("span", {}, t("pw.rules")), count),
    list,
    h("p", { class: "pw-advice" }, t("pw.rule.advice")));
  password.append(rulesBox);
  const described = password.input.getAttribute("aria-describedby");
  password.input.setAttribute("aria-describedby", [described, listId].filter(Boolean).join(" "));

  const matchId = uid("pw-match");
  const match = h("p", { class: "pw-match", id: matchId, hidden: true });
  repeat.append(match);
  repeat.input.setAttribute("aria-describedby", matchId);

  const draw = () => {
    const pw = password.input.value;
    list.replaceChildren(...policyChecks(pw, policy).map((r) => h("li", { class: r.met ? "met" : null, "data-rule": r.id },
      h("span", { class: "visually-hidden" }, r.met ? t("pw.rule.met") : t("pw.rule.unmet")), " ", r.text)));
    count.textContent = pw ? t("pw.count", { n: passwordLength(pw) }) : "";
    const rep = repeat.input.value;
    if (!rep) {
      match.hidden = true;
    } else {
      const same = rep === pw;
      match.hidden = false;
      match.className = same ? "pw-match met" : "pw-match";
      match.textContent = same ? t("pw.match") : t("pw.nomatch");
    }
  };
  password.input.addEventListener("input", () => { setFieldError(password, ""); draw(); });
  repeat.input.addEventListener("input", () => { setFieldError(repeat, ""); draw(); });
  draw();

  return {
    nodes: [password, repeat],
    password,
    repeat,
    value: () => password.input.value,
    check() {
      const pw = password.input.value;
      let ok = true;
      if (!pw) {
        setFieldError(password, t("pw.error.required"));
        ok = false;
      } else {
        const unmet = policyChecks(pw, policy).filter((r) => !r.met);
        if (unmet.some((r) => r.id === "minLength")) setFieldError(password, t("pw.error.short", { n: policy.minLength || 8 }));
        else if (unmet.some((r) => r.id === "maxLength")) setFieldError(password, t("pw.error.long", { n: policy.maxLength }));
        else if (unmet.length) setFieldError(password, t("pw.error.rules"));
        if (unmet.length) ok = false;
      }
      if (pw && repeat.input.value !== pw) {
        setFieldError(repeat, t("pw.error.repeat"));
        ok = false;
      }
      if (!ok) (password.input.getAttribute("aria-invalid") ? password.input : repeat.input).focus();
      return ok;
    },
    reset() {
      password.input.value = "";
      repeat.input.value = "";
      password.conceal();
      repeat.conceal();
      draw();
    },
  };
}

/**
 * submitPasswordChange sends a signed-in password change from the fields of a
 * form — current (a passwordField), pw (newPasswordFields) — and shows the
 * errors it knows on them: a wrong current password, a mismatch, policy
 * violations (the rest in err). It resolves to {res, handled}: handled is
 * false for a failure the caller must answer itself (e.g. unauthenticated).
 */
export async function submitPasswordChange({ current, pw, err }) {
  const res = await api("POST", "api/auth/password/change", {
    currentPassword: current.input.value, newPassword: pw.value(), newPasswordRepeat: pw.repeat.input.value,
  });
  switch (res.code) {
    case "":
      return { res, handled: true };
    case "current_password_invalid":
      current.input.value = "";
      setFieldError(current, message(res));
      focusLater(current.input);
      return { res, handled: true };
    case "password_mismatch":
      setFieldError(pw.repeat, message(res));
      focusLater(pw.repeat.input);
      return { res, handled: true };
    case "password_policy": {
      const rest = showViolations(violations(res), { newPassword: pw.password, newPasswordRepeat: pw.repeat, password: pw.password });
      err.set(rest.length ? `${message(res)} ${rest.join("; ")}` : message(res));
      return { res, handled: true };
    }
    default:
      return { res, handled: false };
  }
}
