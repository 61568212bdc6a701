// Passkeys in the browser (WebAuthn Level 3). The server sends options as
// JSON with base64url binaries — either {"publicKey": {...}} (as
// go-webauthn serialises a CredentialCreation / CredentialAssertion) or the
// bare options — and wants the credential back as RegistrationResponseJSON /
// AuthenticationResponseJSON. Browsers that have
// PublicKeyCredential.parse*OptionsFromJSON and credential.toJSON() do the
// conversions; a small base64url fallback covers the others.
//
// Only one WebAuthn request may be pending at a time: a conditional
// (autofill) request started by the sign-in screen is aborted, and its end
// awaited, before any other request starts.

/** supported tells whether this browser can use passkeys at all. */
export function supported() {
  return typeof window.PublicKeyCredential === "function" && Boolean(navigator.credentials);
}

/** conditionalAvailable resolves true when the browser offers passkeys in autofill (conditional mediation). */
export async function conditionalAvailable() {
  if (!supported() || typeof PublicKeyCredential.isConditionalMediationAvailable !== "function") return false;
  try {
    return (await PublicKeyCredential.isConditionalMediationAvailable()) === true;
  } catch {
    return false;
  }
}

/**
 * cancelled tells whether err means the person dismissed the browser's
 * prompt (or it timed out, or it was aborted): nothing to report.
 */
export function cancelled(err) {
  return Boolean(err) && (err.name === "NotAllowedError" || err.name === "AbortError");
}

/* ---------- base64url (fallback only) ---------- */

function toBytes(b64url) {
  const b64 = String(b64url).replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toB64url(buf) {
  if (!buf) return undefined;
  const bytes = new Uint8Array(buf instanceof ArrayBuffer ? buf : buf.buffer);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const withIds = (list) => (list || []).map((c) => ({ ...c, id: toBytes(c.id) }));

/** unwrap accepts {"publicKey": {...}} or the bare options. */
function unwrap(json) {
  return json && typeof json === "object" && json.publicKey ? json.publicKey : (json || {});
}

/** creationOptions turns PublicKeyCredentialCreationOptionsJSON into what create() takes. */
export function creationOptions(json) {
  const o = unwrap(json);
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    try { return PublicKeyCredential.parseCreationOptionsFromJSON(o); } catch { /* the fallback below */ }
  }
  return { ...o, challenge: toBytes(o.challenge), user: { ...o.user, id: toBytes(o.user.id) }, excludeCredentials: withIds(o.excludeCredentials) };
}

/** requestOptions turns PublicKeyCredentialRequestOptionsJSON into what get() takes. */
export function requestOptions(json) {
  const o = unwrap(json);
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    try { return PublicKeyCredential.parseRequestOptionsFromJSON(o); } catch { /* the fallback below */ }
  }
  return { ...o, challenge: toBytes(o.challenge), allowCredentials: withIds(o.allowCredentials) };
}

/** credentialJSON is a credential as RegistrationResponseJSON / AuthenticationResponseJSON. */
export function credentialJSON(cred) {
  if (typeof cred.toJSON === "function") {
    try { return cred.toJSON(); } catch { /* the fallback below */ }
  }
  const r = cred.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle && r.userHandle.byteLength) response.userHandle = toB64url(r.userHandle);
  }
  return {
    id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
    clientExtensionResults: typeof cred.getClientExtensionResults === "function" ? cred.getClientExtensionResults() : {},
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
  };
}

/* ---------- requests ---------- */

/** the conditional (autofill) request under way: {controller, settled} */
let conditional = null;

/** stopConditional aborts the autofill request, if any, and resolves once it has ended. */
export async function stopConditional() {
  const c = conditional;
  if (!c) return;
  conditional = null;
  c.controller.abort();
  await c.settled;
}

/**
 * create makes a new passkey from the server's creation options; resolves
 * with its RegistrationResponseJSON. Rejects with the browser's error
 * (see cancelled()).
 */
export async function create(optionsJSON) {
  await stopConditional();
  const cred = await navigator.credentials.create({ publicKey: creationOptions(optionsJSON) });
  return credentialJSON(cred);
}

/**
 * get asks for an assertion with the server's request options; resolves
 * with its AuthenticationResponseJSON. Rejects with the browser's error.
 */
export async function get(optionsJSON) {
  await stopConditional();
  const cred = await navigator.credentials.get({ publicKey: requestOptions(optionsJSON) });
  return credentialJSON(cred);
}

/**
 * getConditional starts the autofill request: it resolves with an
 * AuthenticationResponseJSON once the person picks a passkey from the
 * username field's suggestions, or with null when it was stopped
 * (stopConditional, or another request) or failed.
 */
export async function getConditional(optionsJSON) {
  // Registered at once, so a stopConditional() from now on reaches this request.
  const previous = conditional;
  const controller = new AbortController();
  let done;
  const entry = { controller, settled: new Promise((r) => { done = r; }) };
  conditional = entry;
  try {
    if (previous) {
      previous.controller.abort();
      await previous.settled;
    }
    if (controller.signal.aborted) return null;
    const cred = await navigator.credentials.get({ publicKey: requestOptions(optionsJSON), mediation: "conditional", signal: controller.signal });
    return controller.signal.aborted ? null : credentialJSON(cred);
  } catch {
    return null;
  } finally {
    if (conditional === entry) conditional = null;
    done();
  }
}
