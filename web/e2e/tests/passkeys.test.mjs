// Passkeys: add one in the account settings (Chromium's virtual
// authenticator answers the browser's prompt), sign in without a password
// (the button, and the username field's autofill), the passkey as the second
// step after the password, rename and remove, and "Confirm it's you" with a
// passkey. See lib/webauthn.mjs for how the authenticator is driven.
import assert from "node:assert/strict";
import { e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openAdmin, openMenuItem, signIn, signInToNetwork, signOut } from "../lib/flows.mjs";
import { Authenticator } from "../lib/totp.mjs";
import { virtualAuthenticator } from "../lib/webauthn.mjs";

const PASSWORD = "harbour lantern quiet 5820";
const STALE = 11 * 60; // seconds: past the server's ten-minute step-up window

/** toAccount opens the account settings from a signed-in screen. */
async function toAccount(page) {
  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
}

/** passkeysRegion is the account settings' Passkeys section. */
function passkeysRegion(page) {
  return page.getByRole("region", { name: "Passkeys" });
}

/**
 * addPasskey adds a passkey in the account settings (which must be open) and
 * names it; the account's first second factor also shows ten recovery codes.
 */
async function addPasskey(page, { name, firstFactor = true, snap = async () => {} }) {
  await passkeysRegion(page).getByRole("button", { name: "Add a passkey" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a passkey" });
  await expectVisible(dialog);
  await dialog.getByLabel("Current password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Continue" }).click();
  // The authenticator answered the browser's prompt: name the passkey.
  const nameField = dialog.getByLabel("Name", { exact: true });
  await expectVisible(nameField);
  assert.match(await nameField.inputValue(), /Chrome/, "the name defaults to this browser");
  await snap("account-passkey-name");
  await nameField.fill(name);
  await dialog.getByRole("button", { name: "Save" }).click();
  if (firstFactor) {
    const codes = page.getByRole("dialog", { name: "Save your recovery codes" });
    await expectVisible(codes);
    assert.equal(await codes.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").count(), 10, "ten recovery codes");
    await snap("account-passkey-codes");
    await codes.getByRole("button", { name: "I have saved them" }).click();
    await expectHidden(codes);
  }
  await expectHidden(dialog);
  await expectVisible(passkeysRegion(page).getByText("The passkey was added. You can now sign in with it."));
}

/** autofillWaiting waits until the sign-in screen offers passkeys in the username field. */
async function autofillWaiting(page) {
  await expectVisible(page.locator('form[data-passkey-autofill="waiting"]'));
}

e2e("passkeys: add one in the account settings, then sign in with the passkey button", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "nora", displayName: "Nora Vogt", password: PASSWORD, networkAccess: true });
  const key = await virtualAuthenticator(page);

  await open("/login");
  await signInToNetwork(page, "nora", PASSWORD);
  await toAccount(page);
  await expectVisible(passkeysRegion(page).getByText("You have no passkeys yet."));
  await expectText(page.getByTestId("mfa-status"), "Off");
  await snap("account-passkeys-none");

  // A wrong password first: the dialog says so and stays.
  await passkeysRegion(page).getByRole("button", { name: "Add a passkey" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a passkey" });
  await dialog.getByLabel("Current password", { exact: true }).fill("not the passphrase at all");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expectVisible(dialog.getByText("Your current password is incorrect."));
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expectHidden(dialog);
  assert.equal((await key.credentials()).length, 0, "no passkey was created");

  await addPasskey(page, { name: "Work laptop", snap });
  const list = page.getByTestId("passkeys");
  await expectText(list, "Work laptop");
  await expectText(list, "Not used yet");
  // A passkey is a second factor: two-factor is on, with the codes.
  await expectText(page.getByTestId("mfa-status"), "On");
  await expectText(page.getByTestId("codes-remaining"), "Recovery codes left: 10");
  await snap("account-passkeys");
  const held = await key.credentials();
  assert.equal(held.length, 1, "the authenticator holds the passkey");
  assert.equal(held[0].isResidentCredential, true, "a discoverable passkey");

  // Signed out; nobody picks the passkey from the username field's suggestions.
  await key.away();
  await signOut(page);
  const username = page.getByLabel("Username", { exact: true });
  assert.equal(await username.getAttribute("autocomplete"), "username webauthn");
  await autofillWaiting(page);
  await snap("login-passkey");
  await key.back();
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await expectVisible(page.getByText("Welcome, Nora Vogt"));
  await toAccount(page);
  await expectText(page.getByTestId("passkeys"), /Last used/);
});

e2e("passkeys: the username field's autofill signs in; an authenticator without one stays quiet", async ({ page, context, open, admin, stack }) => {
  const a = await admin();
  await a.createActiveUser({ username: "tilo", displayName: "Tilo Berg", password: PASSWORD, networkAccess: true });
  await virtualAuthenticator(page);
  await open("/login");
  await signInToNetwork(page, "tilo", PASSWORD);
  await toAccount(page);
  await addPasskey(page, { name: "Tilo's laptop" });

  // Presence on: the passkey offered in the username field is taken at
  // once, as if picked from the suggestions — no button, no password.
  await expectText(page.getByTestId("passkeys"), "Not used yet");
  const loggedOut = page.waitForResponse((r) => r.url().endsWith("/api/auth/logout"));
  const finished = page.waitForResponse((r) => r.url().endsWith("/api/auth/login/passkey/finish"));
  await page.getByRole("button", { name: /Profile menu/ }).click();
  await page.getByRole("menuitem", { name: "Log out" }).click();
  assert.equal((await loggedOut).status(), 204);
  assert.equal((await finished).status(), 200);
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await toAccount(page);
  await expectText(page.getByTestId("passkeys"), /Last used/);
  const tilo = await a.user("tilo");
  const { items } = await a.call("GET", `api/admin/audit?${new URLSearchParams({ userId: tilo.id, type: "login.succeeded" })}`);
  assert.equal(items[0].detail && items[0].detail.method, "passkey", "the newest sign-in was passwordless");

  // Another browser whose authenticator holds no passkey for this site: the
  // button's prompt ends at once (as a dismissed prompt does) — no error, the form stays.
  const other = await context.browser().newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  try {
    const page2 = await other.newPage();
    await virtualAuthenticator(page2);
    await page2.goto(`${stack.url}/#/login`);
    await expectVisible(page2.getByRole("heading", { level: 1, name: "Sign in" }));
    const button = page2.getByRole("button", { name: "Sign in with a passkey" });
    const begun = page2.waitForResponse((r) => r.url().endsWith("/api/auth/login/passkey/begin") && r.request().method() === "POST");
    await button.click();
    assert.equal((await begun).status(), 200);
    await page2.waitForFunction((b) => !b.disabled, await button.elementHandle());
    assert.equal(await page2.getByRole("alert").count(), 0, "no error for a dismissed prompt");
    assert.match(new URL(page2.url()).hash, /^#\/login/);
    // The password still works there.
    await signIn(page2, "tilo", PASSWORD);
    await expectHash(page2, /^#\/mfa/);
  } finally {
    await other.close();
  }
});

e2e("passkeys: the passkey as the second step after the password", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "ivo", displayName: "Ivo Kranz", password: PASSWORD, networkAccess: true });
  const key = await virtualAuthenticator(page);
  await open("/login");
  await signInToNetwork(page, "ivo", PASSWORD);
  await toAccount(page);
  await addPasskey(page, { name: "Ivo's key" });

  await key.away();
  await signOut(page);
  await autofillWaiting(page);
  await signIn(page, "ivo", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await expectText(h1(page), "Two-factor authentication");
  await expectVisible(page.getByText("Confirm it's you with your passkey."));
  assert.equal(await page.getByLabel("6-digit code").count(), 0, "no code field: the account has no authenticator app");
  await expectVisible(page.getByRole("button", { name: "Use a recovery code instead" }));
  await expectVisible(page.getByRole("checkbox", { name: "Remember this browser" }));
  await snap("login-mfa-passkey");
  await key.back();
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Whole network");
});

e2e("passkeys: rename one, and remove it with the password", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "gesa", displayName: "Gesa Lund", password: PASSWORD, networkAccess: true });
  await virtualAuthenticator(page);
  await open("/login");
  await signInToNetwork(page, "gesa", PASSWORD);
  await toAccount(page);
  await addPasskey(page, { name: "Work laptop" });

  await page.getByRole("button", { name: "Rename the passkey Work laptop" }).click();
  const rename = page.getByRole("dialog", { name: "Rename the passkey" });
  const name = rename.getByLabel("Name", { exact: true });
  assert.equal(await name.inputValue(), "Work laptop");
  await name.fill("   ");
  await rename.getByRole("button", { name: "Save" }).click();
  await expectVisible(rename.getByText("Enter a name."));
  await name.fill("Office PC");
  await rename.getByRole("button", { name: "Save" }).click();
  await expectHidden(rename);
  await expectVisible(page.getByText("The passkey was renamed."));
  await expectText(page.getByTestId("passkeys"), "Office PC");
  assert.doesNotMatch(await page.getByTestId("passkeys").innerText(), /Work laptop/);

  // The role requires two-factor and this is the only second factor: refused, with the reason.
  await a.setParameters({ mfa: { requiredForRoles: ["operator"] } });
  await page.getByRole("button", { name: "Remove the passkey Office PC" }).click();
  const remove = page.getByRole("dialog", { name: "Remove the passkey “Office PC”?" });
  await expectVisible(remove.getByText("It is your only second factor"));
  await remove.getByLabel("Current password", { exact: true }).fill(PASSWORD);
  await remove.getByRole("button", { name: "Remove passkey" }).click();
  await expectVisible(remove.getByText("Your role requires two-factor authentication and this is your only second factor, so it can't be removed."));
  await snap("account-passkey-remove-policy");
  await remove.getByRole("button", { name: "Cancel" }).click();
  await expectHidden(remove);
  await expectText(page.getByTestId("passkeys"), "Office PC");

  // Without the requirement: the password is asked, a wrong one refused, the right one removes it.
  await a.setParameters({ mfa: { requiredForRoles: [] } });
  await page.getByRole("button", { name: "Remove the passkey Office PC" }).click();
  await remove.getByRole("button", { name: "Remove passkey" }).click();
  await expectVisible(remove.getByText("Enter your current password."));
  await remove.getByLabel("Current password", { exact: true }).fill("certainly not it 0000");
  await remove.getByRole("button", { name: "Remove passkey" }).click();
  await expectVisible(remove.getByText("Your current password is incorrect."));
  await snap("account-passkey-remove");
  await remove.getByLabel("Current password", { exact: true }).fill(PASSWORD);
  await remove.getByRole("button", { name: "Remove passkey" }).click();
  await expectHidden(remove);
  await expectVisible(page.getByText("The passkey was removed."));
  await expectVisible(passkeysRegion(page).getByText("You have no passkeys yet."));
  await expectText(page.getByTestId("mfa-status"), "Off");
  assert.deepEqual((await a.user("gesa")).mfa, { totp: false, passkeys: 0 }, "the account has no second factor left");
});

e2e("passkeys: a stale admin confirms it's them with the password and the passkey", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Lübeck Süd");
  await a.createActiveUser({ username: "anja", displayName: "Anja Admin", roles: ["admin"], password: PASSWORD, networkAccess: true });
  await a.createActiveUser({ username: "piet", displayName: "Piet Operator", password: "quayside rope signal 4417", facilityIds: [facility.id] });
  const key = await virtualAuthenticator(page);
  await open("/login");
  await signInToNetwork(page, "anja", PASSWORD);
  await toAccount(page);
  await addPasskey(page, { name: "Anja's laptop" });

  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Piet Operator" }).click();
  await expectText(h1(page), "Piet Operator");
  await stack.advanceClock(STALE);

  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Piet Operator" });
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("read out at the quay 3390");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp.getByText("Enter your password, then confirm with your passkey."));
  assert.equal(await stepUp.getByLabel("6-digit code").count(), 0, "no code field for a passkey account");
  await snap("step-up-passkey");

  // A wrong password: refused, although the passkey was fine.
  await stepUp.getByLabel("Password", { exact: true }).fill("not my password 1111");
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectVisible(stepUp.getByText("Your current password is incorrect."));
  await stepUp.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  await expectVisible(page.getByText("Temporary password set. Piet Operator must change it at the next sign-in."));
  const piet = await a.user("piet");
  const { items } = await a.call("GET", `api/admin/audit?${new URLSearchParams({ userId: piet.id, type: "password.set_by_admin" })}`);
  assert.equal(items.length, 1, "the password was set once");
  assert.ok((await key.credentials())[0].signCount >= 2, "the passkey signed the step-up");
});

e2e("passkeys beside an authenticator app: set up after the passkey, then the choice at sign-in and at step-up", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Rostock Hafen");
  await a.createActiveUser({ username: "mara", displayName: "Mara Admin", roles: ["admin"], password: PASSWORD, networkAccess: true });
  await a.createActiveUser({ username: "olaf", displayName: "Olaf Operator", password: "netting buoy anchor 6650", facilityIds: [facility.id] });
  const key = await virtualAuthenticator(page);
  await open("/login");
  await signInToNetwork(page, "mara", PASSWORD);
  await toAccount(page);
  await addPasskey(page, { name: "Mara's laptop" });

  // The app joins the passkey: no second set of recovery codes.
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  const secret = (await page.getByLabel("Setup key", { exact: true }).innerText()).replace(/\s+/g, "");
  const app = new Authenticator(secret, stack.now);
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Turn on two-factor" }).click();
  await expectVisible(page.getByText("Two-factor authentication is on."));
  assert.equal(await page.getByRole("heading", { name: "Save your recovery codes" }).count(), 0, "the codes of the passkey stay");
  await expectText(page.getByTestId("codes-remaining"), "Recovery codes left: 10");
  await expectVisible(page.getByRole("button", { name: "Remove authenticator app" }));

  // Second step: the passkey first, the code on request.
  await key.away();
  await signOut(page);
  await autofillWaiting(page);
  await signIn(page, "mara", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await expectVisible(page.getByRole("button", { name: "Use your passkey" }));
  await expectVisible(page.getByRole("button", { name: "Use a recovery code instead" }));
  await page.getByRole("button", { name: "Use a code from the app instead" }).click();
  await stack.advanceClock(90); // a step after the one that turned the app on
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);

  // Step-up offers both; the code is enough.
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Olaf Operator" }).click();
  await expectText(h1(page), "Olaf Operator");
  await stack.advanceClock(STALE);
  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Olaf Operator" });
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("mended at the pier 7731");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp.getByText("Enter your password, then confirm with your passkey or a code from your authenticator app."));
  await expectVisible(stepUp.getByText("When you confirm, your browser asks for your passkey."));
  await stepUp.getByRole("button", { name: "Use a code from the app instead" }).click();
  await stepUp.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await stepUp.getByLabel("6-digit code").fill(app.code());
  await snap("step-up-choice");
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  await expectVisible(page.getByText("Temporary password set. Olaf Operator must change it at the next sign-in."));
});
