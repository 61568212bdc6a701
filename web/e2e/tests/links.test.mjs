// The mailed links: forgotten password → reset, and the invitation; plus
// the temporary password an administrator sets.
import assert from "node:assert/strict";
import { e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, signIn, signOut } from "../lib/flows.mjs";

const NEW_PASSWORD = "lantern orbit meadow 5729";

e2e("forgot password, mail link, reset with live hints, back to login, sign in", async ({ page, open, admin, mail, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Hamburg Hub");
  await a.createActiveUser({ username: "mara", displayName: "Mara Lind", email: "mara@example.com",
    password: "first passphrase of hers 11", facilityIds: [facility.id] });

  await open("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expectText(h1(page), "Reset your password");
  await snap("forgot");
  await page.getByLabel("Username or email").fill("mara@example.com");
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expectText(h1(page), "Request received");
  await snap("forgot-sent");

  const { link } = await mail("mara@example.com");
  assert.ok(link && link.includes("#/reset?token="), `reset link in the mail: ${link}`);
  await page.goto(link);
  await expectText(h1(page), "Choose a new password");
  await expectText(page.getByTestId("token-username"), "mara");
  // The token leaves the address bar.
  await expectHash(page, /^#\/reset$/);

  const password = page.getByLabel("New password", { exact: true });
  const repeat = page.getByLabel("Repeat new password", { exact: true });
  // Live hints: the length rule, then the repeat.
  await password.fill("too short");
  const lengthRule = page.getByRole("listitem").filter({ hasText: "At least 15 characters" });
  await expectText(lengthRule, "Not yet met");
  await password.fill("mara-keeps-her-name-in-it-77");
  await expectText(lengthRule, /Met:/);
  await repeat.fill("something else");
  await expectVisible(page.getByText("The entries don't match yet"));
  await repeat.fill("mara-keeps-her-name-in-it-77");
  await expectVisible(page.getByText("Both entries match"));
  await snap("reset");
  // The server's policy: a password with the username in it is refused, shown at the field.
  await page.getByRole("button", { name: "Save password" }).click();
  await expectVisible(page.getByText(/contains your name or the organisation's name/));
  await snap("reset-policy-violation");

  await password.fill(NEW_PASSWORD);
  await repeat.fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Save password" }).click();
  await expectText(h1(page), "Password changed");
  await snap("reset-done");
  await page.getByRole("link", { name: "Back to login" }).click();
  await signIn(page, "mara", NEW_PASSWORD);
  // Mara works in one facility only: she lands in it.
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Hamburg Hub");

  // The used link is dead.
  await signOut(page);
  await page.goto(link);
  await expectText(h1(page), "This link is no longer valid");
  await snap("reset-invalid");
});

e2e("invitation: link from the mail, set the password, sign in", async ({ page, admin, mail, snap }) => {
  const a = await admin();
  await a.createUser({ username: "nico", displayName: "Nico Brandt", email: "nico@example.com", networkAccess: true });
  const { link } = await mail("nico@example.com");
  assert.ok(link && link.includes("#/invite?token="), `invitation link in the mail: ${link}`);

  await page.goto(link);
  await expectText(h1(page), "Welcome — set your password");
  await expectText(page.getByTestId("token-username"), "nico");
  await snap("invite");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat new password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Activate account" }).click();
  await expectText(h1(page), "Your account is active");
  await snap("invite-done");
  await page.getByRole("link", { name: "Back to login" }).click();
  await signIn(page, "nico", NEW_PASSWORD);
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(page.getByTestId("home"), "Welcome, Nico Brandt");
});

e2e("a temporary password must be changed at sign-in, then the user lands", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Köln Süd");
  await a.createUser({ username: "tara", displayName: "Tara Voss", temporaryPassword: "temporary passphrase 4821",
    facilityIds: [facility.id] });

  await open("/login");
  await signIn(page, "tara", "temporary passphrase 4821");
  await expectHash(page, /^#\/change-password/);
  await expectText(h1(page), "Choose your own password");
  await snap("change-password-forced");
  // The restricted session cannot go anywhere else.
  await open("/home");
  await expectHash(page, /^#\/change-password/);

  await page.getByLabel("Temporary password", { exact: true }).fill("temporary passphrase 4821");
  await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Repeat new password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Köln Süd");
  await signOut(page);
  await signIn(page, "tara", NEW_PASSWORD);
  await expectHash(page, /^#\/home/);
});
