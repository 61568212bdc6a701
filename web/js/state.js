// What the app knows: the tenant configuration and the current session.
// The server is the truth; this is a cache refreshed on every screen change.
import { api } from "./api.js";

export const state = {
  /** @type {null | object} GET /api/auth/config */
  config: null,
  /** @type {null | object} the Session document, null when signed out */
  session: null,
  /** a notice to show once on the next screen (e.g. after a reset) */
  notice: "",
  /** the MFA challenge between the two login steps (never stored) */
  challenge: "",
  /** the second-step methods the login answer offered ("totp", "passkey", "recovery_code") */
  mfaMethods: [],
  /** the WebAuthn request options for a passkey second step (login answer's passkeyOptions) */
  passkeyOptions: null,
};

/** loadConfig reads the tenant configuration once. */
export async function loadConfig() {
  if (state.config) return state.config;
  const res = await api("GET", "api/auth/config");
  state.config = res.ok ? res.body : { tenant: "", sso: { enabled: false, providers: [] }, passwordPolicy: { minLength: 15, maxLength: 128 } };
  return state.config;
}

/** refreshSession re-reads the session; null when there is none. */
export async function refreshSession() {
  const res = await api("GET", "api/auth/session");
  state.session = res.ok ? res.body : null;
  return state.session;
}

/** hasRole reports whether the signed-in user holds one of roles. */
export function hasRole(...roles) {
  const mine = (state.session && state.session.user.roles) || [];
  return roles.some((r) => mine.includes(r));
}

/** restriction names the session's restriction, "" when none. */
export function restriction() {
  const s = state.session;
  if (!s) return "";
  if (s.passwordChangeRequired) return "password_change";
  if (s.mfaEnrolmentRequired) return "mfa_enrolment";
  return "";
}
