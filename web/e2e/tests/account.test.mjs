// Account settings: change the password in the overlay; the session list
// shows this device and signs out another session.
import assert from "node:assert/strict";
import { ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible, waitUntil } from "../lib/harness.mjs";
import { h1, openMenuItem, signIn, signOut } from "../lib/flows.mjs";

const PASSWORD = "saffron glacier ticket 2607";
const NEW_PASSWORD = "velvet compass river 9153";

async function signInToAccount(page, open, username) {
  await open("/login");
  await signIn(page, username, PASSWORD);
  await expectHash(page, /^#\/(views|home)/);
  if (/#\/views/.test(page.url())) {
    await page.getByRole("button", { name: /Whole network/ }).click();
    await expectHash(page, /^#\/home/);
  }
  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
}

e2e("change the password in the overlay of the account settings", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "lena", displayName: "Lena Hahn", password: PASSWORD, networkAccess: true });
  await signInToAccount(page, open, "lena");

  const opener = page.getByRole("button", { name: "Change password" });
  await opener.click();
  const dialog = page.getByRole("dialog", { name: "Change password" });
  await expectVisible(dialog);
  // Escape closes the overlay and focus goes back to the button.
  await page.keyboard.press("Escape");
  await expectHidden(dialog);
  await waitUntil(() => opener.evaluate((b) => document.activeElement === b), "focus back on Change password");
  await opener.click();
  await expectVisible(dialog);
  await snap("account-change-password");

  await dialog.getByLabel("Current password", { exact: true }).fill("not my current passphrase");
  await dialog.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await dialog.getByLabel("Repeat new password", { exact: true }).fill(NEW_PASSWORD);
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expectVisible(dialog.getByText("Your current password is incorrect."));
  await dialog.getByLabel("Current password", { exact: true }).fill(PASSWORD);
  await dialog.getByRole("button", { name: "Change password" }).click();
  await expectHidden(dialog);
  await expectVisible(page.getByText("Your password was changed. Your other sessions were signed out."));

  await signOut(page);
  await signIn(page, "lena", PASSWORD);
  await expectText(page.getByRole("alert"), "The username or password is incorrect.");
  await signIn(page, "lena", NEW_PASSWORD);
  await expectHash(page, /^#\/(views|home)/);
});

e2e("sessions: this device is marked, another session is signed out", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "finn", displayName: "Finn Ort", password: PASSWORD, networkAccess: true });
  // Another device: a second session through the API.
  const other = new ApiClient(stack.url);
  await other.login("finn", PASSWORD);
  await signInToAccount(page, open, "finn");

  const list = page.getByTestId("sessions");
  await expectVisible(list);
  const current = list.getByRole("listitem").filter({ hasText: "This device" });
  await expectVisible(current);
  await expectText(current, "Chrome");
  await expectVisible(list.getByRole("listitem").nth(1));
  await snap("account-sessions");
  // The current session has no sign-out button; the other one has.
  assert.equal(await current.getByRole("button").count(), 0);
  await page.getByRole("button", { name: /Sign out the session of/ }).click();
  await expectVisible(page.getByText("The session was signed out."));
  await expectText(page.getByTestId("sessions"), "This device");
  assert.equal(await page.getByTestId("sessions").getByRole("listitem").count(), 1);
  const after = await other.call("GET", "api/auth/session", undefined, { allowError: true });
  assert.equal(after.status, 401, "the other session no longer works");
});
