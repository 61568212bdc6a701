// Two-factor: turn it on in the account settings, sign in with a code and
// with a recovery code; and the enrolment a role requires at sign-in.
import assert from "node:assert/strict";
import { e2e, expectHash, expectText, expectVisible, waitUntil } from "../lib/harness.mjs";
import { h1, openMenuItem, signIn, signOut } from "../lib/flows.mjs";
import { Authenticator } from "../lib/totp.mjs";

const PASSWORD = "copper falcon drizzle 8814";

/** enrol goes through the three steps on screen; returns {app, codes}. */
async function enrol(page, snap, prefix) {
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Continue" }).click();
  await expectText(page.getByRole("heading", { name: "Connect your authenticator app" }), "Connect your authenticator app");
  const qr = page.getByRole("img", { name: /QR code/ });
  await expectVisible(qr);
  await waitUntil(() => qr.evaluate((img) => img.complete && img.naturalWidth > 0), "the QR code image to load");
  const secret = (await page.getByLabel("Setup key", { exact: true }).innerText()).replace(/\s+/g, "");
  assert.match(secret, /^[A-Z2-7]{16,}$/, "the manual key is base32");
  await snap(`${prefix}-scan`);
  const app = new Authenticator(secret);
  await page.getByLabel("6-digit code").fill(app.wrongCode());
  await page.getByRole("button", { name: "Turn on two-factor" }).click();
  await expectVisible(page.getByText("That code is not right. Check your authenticator app and try again."));
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Turn on two-factor" }).click();
  await expectVisible(page.getByRole("heading", { name: "Save your recovery codes" }));
  const codes = await page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").allInnerTexts();
  assert.equal(codes.length, 10, "ten recovery codes");
  await expectVisible(page.getByRole("link", { name: "Download" }));
  await snap(`${prefix}-codes`);
  await page.getByRole("button", { name: "I have saved them" }).click();
  return { app, codes: codes.map((c) => c.trim()) };
}

e2e("two-factor: turn on in account settings, sign in with a code, then with a recovery code", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "mila", displayName: "Mila Stern", password: PASSWORD, networkAccess: true });
  await open("/login");
  await signIn(page, "mila", PASSWORD);
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);

  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
  await snap("account");
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  const { app, codes } = await enrol(page, snap, "account-mfa");
  await expectVisible(page.getByText("Two-factor authentication is on. You'll be asked for a code at your next sign-in."));
  await expectText(page.getByTestId("mfa-status"), "On");
  await expectText(page.getByTestId("codes-remaining"), "Recovery codes left: 10");
  await snap("account-mfa-on");

  // Sign in with a code from the app.
  await signOut(page);
  await signIn(page, "mila", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await expectText(h1(page), "Two-factor authentication");
  await snap("login-mfa");
  await page.getByLabel("6-digit code").fill(app.wrongCode());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectVisible(page.getByText("That code is not right. Check your authenticator app and try again."));
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/views/);

  // Sign in with a recovery code.
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await signOut(page);
  await signIn(page, "mila", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await page.getByRole("button", { name: "Use a recovery code instead" }).click();
  await snap("login-mfa-recovery");
  await page.getByLabel("Recovery code").fill(codes[0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await openMenuItem(page, "Account settings");
  await expectText(page.getByTestId("codes-remaining"), "Recovery codes left: 9");
});

e2e("two-factor required for the role: enrol at sign-in, then land", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Essen West");
  await a.createActiveUser({ username: "ole", displayName: "Ole Brink", password: PASSWORD, facilityIds: [facility.id] });
  await a.setParameters({ mfa: { requiredForRoles: ["operator"] } });

  await open("/login");
  await signIn(page, "ole", PASSWORD);
  await expectHash(page, /^#\/mfa-enrolment/);
  await expectText(h1(page), "Set up two-factor authentication");
  await expectVisible(page.getByText("Your role requires two-factor authentication."));
  await snap("mfa-enrolment-required");
  // The restricted session goes nowhere else.
  await open("/home");
  await expectHash(page, /^#\/mfa-enrolment/);
  const { app } = await enrol(page, snap, "mfa-enrolment-required");
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Essen West");

  await signOut(page);
  await signIn(page, "ole", PASSWORD);
  await expectHash(page, /^#\/mfa/);
  await page.getByLabel("6-digit code").fill(app.code());
  await page.getByRole("button", { name: "Verify" }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Essen West");
});

e2e("two-factor required for the role: a forced password change leads on to the set-up", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Bochum Nord");
  await a.setParameters({ mfa: { requiredForRoles: ["operator"] } });
  await a.createUser({ username: "ines", displayName: "Ines Kaya", temporaryPassword: "temporary passphrase 7390",
    facilityIds: [facility.id] });

  await open("/login");
  await signIn(page, "ines", "temporary passphrase 7390");
  await expectHash(page, /^#\/change-password/);
  await page.getByLabel("Temporary password", { exact: true }).fill("temporary passphrase 7390");
  await page.getByLabel("New password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Repeat new password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Save and continue" }).click();
  // Not home: the role's two-factor comes first.
  await expectHash(page, /^#\/mfa-enrolment/);
  await expectText(h1(page), "Set up two-factor authentication");
  await expectVisible(page.getByText("Your role requires two-factor authentication."));
  await open("/home");
  await expectHash(page, /^#\/mfa-enrolment/);
  await enrol(page, snap, "mfa-enrolment-after-change");
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Bochum Nord");
});
