// A passkey authenticator for the browser tests: Chromium's DevTools virtual
// authenticator (CDP WebAuthn domain) on one page — a platform authenticator
// with user verification that holds discoverable credentials, as a laptop's
// fingerprint reader would.
//
//   const key = await virtualAuthenticator(page);
//   ... the app creates a passkey, the browser's prompt is answered at once ...
//   assert.equal((await key.credentials()).length, 1);
//
// Presence: with it on (the default), every request is answered at once —
// also the sign-in screen's autofill request (mediation "conditional"), which
// then signs in by itself, as if the person had picked the passkey from the
// username field's suggestions. key.away() turns it off: the autofill request
// stays pending (the person ignores the suggestion), and key.back() turns it on
// again before a button asks for the passkey. (A request that is already
// pending is not answered when presence comes back.)
// An authenticator that holds no passkey for the site refuses a sign-in at
// once (NotAllowedError), which is also what a dismissed prompt gives the page.

/** virtualAuthenticator adds a virtual authenticator to page's target and returns its handle. */
export async function virtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    id: authenticatorId,
    cdp,
    /** credentials lists the passkeys it holds ({credentialId, rpId, userHandle, signCount, ...}). */
    async credentials() {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    },
    /** away: nobody answers prompts (autofill stays pending). */
    async away() {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: false });
    },
    /** back: prompts are answered at once again. */
    async back() {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: true });
    },
    /** clear forgets every passkey it holds. */
    async clear() {
      await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
    },
    /** remove takes the authenticator away. */
    async remove() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    },
  };
}
