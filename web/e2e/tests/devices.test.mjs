// Remembered devices: "Remember this browser" at the second step skips that
// step at the next sign-in in this browser only — the password is still
// asked, another browser is still asked for the second step — until the
// browser is forgotten in the account settings.
import assert from "node:assert/strict";
import { ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openMenuItem, signIn, signOut } from "../lib/flows.mjs";
import { Authenticator } from "../lib/totp.mjs";

const PASSWORD = "meadow copper signal 7264";

/** withTotp creates an active user with network access and an authenticator app (API); returns its Authenticator. */
async function withTotp(a, stack, username, displayName) {
  await a.createActiveUser({ username, displayName, password: PASSWORD, networkAccess: true });
  const user = new ApiClient(stack.url);
  await user.login(username, PASSWORD);
  const { secret } = await user.call("POST", "api/auth/mfa/totp/enrol", { password: PASSWORD });
  const app = new Authenticator(secret, stack.now);
  await user.call("POST", "api/auth/mfa/totp/activate", { code: app.code() });
  await user.call("POST", "api/auth/logout", {});
  return app;
}

/**
 * secondStep answers the second step with a code, ticking "Remember this
 * browser" or not, and lands on the views. The server never takes a step at
 * or before the last one used, so the stack's clock moves on three steps first.
 */
async function secondStep(page, stack, app, { remember }) {
  await expectHash(page, /^#\/mfa/);
  await stack.advanceClock(90);
  const box = page.getByRole("checkbox", { name: "Remember this browser" });
  assert.equal(await box.isChecked(), false, "not remembered unless asked");
  if (remember) await box.check();
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/views/);
}

/** signInRemembered signs in with the password and expects no second step. */
async function signInRemembered(page, username) {
  await signIn(page, username, PASSWORD);
  await expectHash(page, /^#\/views/);
  await expectVisible(page.getByRole("button", { name: /Whole network/ }));
}

async function toDevices(page) {
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
  return page.getByRole("region", { name: "Remembered devices" });
}

/** freshBrowser opens the sign-in screen in a new browser context (no cookies) on the same stack. */
async function freshBrowser(context, stack) {
  const other = await context.browser().newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", timezoneId: "Europe/Berlin" });
  const page = await other.newPage();
  await page.goto(`${stack.url}/#/login`);
  return { other, page };
}

e2e("remembered device: the second step is skipped in this browser only, until it is forgotten", async ({ page, context, open, admin, stack, snap }) => {
  const a = await admin();
  const app = await withTotp(a, stack, "kai", "Kai Rother");

  await open("/login");
  await signIn(page, "kai", PASSWORD);
  await snap("login-mfa-remember");
  await secondStep(page, stack, app, { remember: true });

  // The password is still asked; the second step is not.
  await signOut(page);
  await signInRemembered(page, "kai");

  // Another browser knows nothing of it.
  const { other, page: page2 } = await freshBrowser(context, stack);
  try {
    await signIn(page2, "kai", PASSWORD);
    await expectHash(page2, /^#\/mfa/);
    await expectVisible(page2.getByLabel("6-digit code"));
  } finally {
    await other.close();
  }

  // The account settings list this browser; forgetting it brings the second step back.
  const devices = await toDevices(page);
  const list = devices.getByTestId("devices");
  await expectVisible(list);
  assert.equal(await list.getByRole("listitem").count(), 1);
  const mine = list.getByRole("listitem").filter({ hasText: "This browser" });
  await expectText(mine, "Chrome");
  await snap("account-devices");
  await mine.getByRole("button", { name: /^Forget Chrome/ }).click();
  await expectVisible(devices.getByText("The browser was forgotten. It asks for the second step again at the next sign-in."));
  await expectVisible(devices.getByText("No browser is remembered."));

  await signOut(page);
  await signIn(page, "kai", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await secondStep(page, stack, app, { remember: false });
  // Not ticked this time: still asked at the next sign-in.
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await signOut(page);
  await signIn(page, "kai", PASSWORD);
  await expectHash(page, /^#\/mfa/);
});

e2e("remembered devices: two browsers remembered, both forgotten at once", async ({ page, context, open, admin, stack }) => {
  const a = await admin();
  const app = await withTotp(a, stack, "uwe", "Uwe Falk");

  const { other, page: page2 } = await freshBrowser(context, stack);
  try {
    await signIn(page2, "uwe", PASSWORD);
    await secondStep(page2, stack, app, { remember: true });

    await open("/login");
    await signIn(page, "uwe", PASSWORD);
    await secondStep(page, stack, app, { remember: true });
    const devices = await toDevices(page);
    const list = devices.getByTestId("devices");
    await expectVisible(list);
    assert.equal(await list.getByRole("listitem").count(), 2, "both browsers are listed");
    assert.equal(await list.getByRole("listitem").filter({ hasText: "This browser" }).count(), 1, "one of them is this one");

    await devices.getByRole("button", { name: "Forget all browsers" }).click();
    const confirm = page.getByRole("dialog", { name: "Forget all remembered browsers?" });
    await confirm.getByRole("button", { name: "Forget all browsers" }).click();
    await expectHidden(confirm);
    await expectVisible(devices.getByText("All browsers were forgotten. Each asks for the second step again at the next sign-in."));
    await expectVisible(devices.getByText("No browser is remembered."));

    // The other browser is asked again.
    await page2.getByRole("button", { name: /Whole network/ }).click();
    await expectHash(page2, /^#\/home/);
    await signOut(page2);
    await signIn(page2, "uwe", PASSWORD);
    await expectHash(page2, /^#\/mfa/);
  } finally {
    await other.close();
  }
});
