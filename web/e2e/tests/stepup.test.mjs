// Step-up: a sensitive admin action past the ten-minute window asks
// "Confirm it's you", then completes without being done again. The stack's
// clock is moved forward through /_dev/clock (stack.advanceClock) rather
// than waited for.
import assert from "node:assert/strict";
import { ADMIN, ApiClient, e2e, expectCount, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openAdmin, signIn, signInToNetwork } from "../lib/flows.mjs";
import { Authenticator } from "../lib/totp.mjs";

const PASSWORD = "lantern orchard velvet 3197";
const STALE = 11 * 60; // seconds: past the server's ten-minute step-up window

/** setByAdmin lists the password.set_by_admin events on a user (the audit log). */
async function setByAdmin(a, userId) {
  const { items } = await a.call("GET", `api/admin/audit?${new URLSearchParams({ userId, type: "password.set_by_admin" })}`);
  return items;
}

/** openUser opens a user's page from the users list. */
async function openUser(page, name) {
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name }).click();
  await expectText(h1(page), name);
}

e2e("step-up: a stale sign-in confirms with the password, then the temporary password is set", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Bremen Hafen");
  const rosa = await a.createActiveUser({ username: "rosa", displayName: "Rosa Lindner", password: PASSWORD, facilityIds: [facility.id] });

  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openUser(page, "Rosa Lindner");
  await stack.advanceClock(STALE);

  // Cancel: the action's own dialog says nothing was changed.
  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Rosa Lindner" });
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("read out over the phone 5521");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp);
  await expectVisible(stepUp.getByText("This change needs a recent sign-in. Enter your password to continue."));
  assert.equal(await stepUp.getByLabel("6-digit code").count(), 0, "no code field without two-factor");
  // Focus is in the dialog, on the password.
  await waitFocused(stepUp.getByLabel("Password", { exact: true }));
  await stepUp.getByRole("button", { name: "Cancel" }).click();
  await expectHidden(stepUp);
  await expectText(pwDialog.getByRole("alert"), "Nothing was changed: confirm it's you to make this change.");
  assert.equal((await setByAdmin(a, rosa.id)).length, 0, "no password was set");

  // A wrong password: the error in the dialog, which stays open.
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  await expectVisible(stepUp);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectVisible(stepUp.getByText("Enter your password.", { exact: true }));
  await stepUp.getByLabel("Password", { exact: true }).fill("certainly not the password");
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  const field = stepUp.getByLabel("Password", { exact: true });
  await expectVisible(stepUp.getByText("Your current password is incorrect."));
  await waitFocused(field);
  assert.equal(await field.getAttribute("aria-invalid"), "true");
  assert.equal(await field.inputValue(), "", "the wrong password is cleared");
  await snap("step-up-wrong-password");

  // The right one: the dialog closes and the action completes by itself.
  await field.fill(ADMIN.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  await expectHidden(pwDialog);
  await expectVisible(page.getByText("Temporary password set. Rosa Lindner must change it at the next sign-in."));
  assert.equal((await setByAdmin(a, rosa.id)).length, 1, "the password was set once");

  // Confirmed just now: the next sensitive action asks nothing.
  await page.getByRole("button", { name: "Set temporary password" }).click();
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("and once more by phone 7730");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  await expectHidden(pwDialog);
  await expectVisible(page.getByText("Temporary password set. Rosa Lindner must change it at the next sign-in."));
  assert.equal(await stepUp.count(), 0, "no second step-up");
  assert.equal((await setByAdmin(a, rosa.id)).length, 2);
});

e2e("step-up: an admin with two-factor confirms with password and code", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Kiel Förde");
  await a.createActiveUser({ username: "anke", displayName: "Anke Admin", roles: ["admin"], password: PASSWORD, networkAccess: true });
  await a.createActiveUser({ username: "finn", displayName: "Finn Operator", password: "harbour crane signal 2288", facilityIds: [facility.id] });
  // Anke turns on two-factor (API); her codes follow the stack's clock.
  const anke = new ApiClient(stack.url);
  await anke.login("anke", PASSWORD);
  const { secret } = await anke.call("POST", "api/auth/mfa/totp/enrol", { password: PASSWORD });
  const app = new Authenticator(secret, stack.now);
  await anke.call("POST", "api/auth/mfa/totp/activate", { code: app.code() });

  await open("/login");
  await signIn(page, "anke", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await openUser(page, "Finn Operator");
  await stack.advanceClock(STALE);

  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Finn Operator" });
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("given at the counter 6604");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp);
  await expectVisible(stepUp.getByText("Enter your password and a code from your authenticator app to continue."));
  const code = stepUp.getByLabel("6-digit code");
  await expectVisible(code);
  await stepUp.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await code.fill(app.wrongCode());
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectVisible(stepUp.getByText("That code is not right. Check your authenticator app and try again."));
  await waitFocused(code);
  assert.equal(await code.getAttribute("aria-invalid"), "true");
  await snap("step-up-totp-wrong-code");
  await code.fill(app.code());
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  await expectVisible(page.getByText("Temporary password set. Finn Operator must change it at the next sign-in."));
  const finn = await a.user("finn");
  assert.equal((await setByAdmin(a, finn.id)).length, 1);
});

e2e("step-up: an SSO account is sent to sign in with its provider again", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Rostock Mitte");
  await a.createActiveUser({ username: "lene", displayName: "Lene Operator", password: PASSWORD, facilityIds: [facility.id] });

  // jordan: the demo SSO account, a network supervisor.
  await open("/login");
  await page.getByRole("link", { name: "Sign in with Local test IdP" }).click();
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await openUser(page, "Lene Operator");
  const userHash = new URL(page.url()).hash;
  await stack.advanceClock(STALE);

  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Lene Operator" });
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("spoken at the door 9914");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp.getByText(/You signed in with single sign-on\. To confirm it's you, sign in with your provider again\./));
  assert.equal(await stepUp.getByLabel("Password", { exact: true }).count(), 0, "no password field for SSO");
  await snap("step-up-sso");
  // Cancel first: nothing changed.
  await stepUp.getByRole("button", { name: "Cancel" }).click();
  await expectText(pwDialog.getByRole("alert"), "Nothing was changed");
  // Then sign in again through the provider, back on this user's page.
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  await stepUp.getByRole("link", { name: "Sign in again with Local test IdP" }).click();
  await expectVisible(page.getByRole("heading", { name: /Local test identity provider/ }));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectHash(page, new RegExp(`^${userHash.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`));
  await expectText(h1(page), "Lene Operator");
  // Freshly signed in: the action goes through without a question.
  await page.getByRole("button", { name: "Set temporary password" }).click();
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("spoken at the door 9914");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  await expectVisible(page.getByText("Temporary password set. Lene Operator must change it at the next sign-in."));
});

e2e("step-up: sensitive calls at once share one dialog, and each is retried", async ({ page, open, admin, stack }) => {
  const a = await admin();
  const ulf = await a.createActiveUser({ username: "ulf", displayName: "Ulf Berg", password: PASSWORD, networkAccess: true });
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await stack.advanceClock(STALE);

  // Two sensitive calls through the app's own API module, as two screens would make them.
  await page.evaluate(async ({ id }) => {
    const { api } = await import(new URL("js/api.js", document.baseURI).href);
    window.e2eCalls = Promise.all([
      api("PUT", "api/admin/parameters", { temporaryPasswordTtlSeconds: 7200 }),
      api("POST", `api/admin/users/${encodeURIComponent(id)}/password`, { password: "two at once passphrase 8181", temporary: true }),
    ]).then((all) => all.map((r) => [r.status, r.code]));
  }, { id: ulf.id });
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp);
  await expectCount(page.locator("dialog[open]"), 1);
  await stepUp.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  assert.deepEqual(await page.evaluate(() => window.e2eCalls), [[200, ""], [204, ""]]);
  assert.equal((await a.call("GET", "api/admin/parameters")).temporaryPasswordTtlSeconds, 7200);
  assert.equal((await setByAdmin(a, ulf.id)).length, 1);
});

/** waitFocused waits until a locator's element has the focus. */
async function waitFocused(locator) {
  await locator.page().waitForFunction((el) => el === document.activeElement, await locator.elementHandle(), { timeout: 5000 });
}
