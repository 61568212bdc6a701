// A local password for SSO accounts (sso.allowLocalPassword): a super admin
// turns the parameter on; the demo SSO account (jordan) asks for a reset on
// the forgotten-password page, follows the mailed link, sets a password and
// signs in with it; the user page then says it signs in both ways.
import assert from "node:assert/strict";
import { ADMIN, e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openAdmin, openMenuItem, signIn, signInToNetwork, signOut } from "../lib/flows.mjs";

const JORDAN = { username: "jordan", email: "jordan@example.test" };

e2e("sso local password: the parameter on, jordan resets from the forgot page, signs in with it, the user page shows it", async ({ page, open, admin, mail, snap }) => {
  const a = await admin();
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Parameters");
  const allow = page.getByRole("checkbox", { name: "Single sign-on accounts may also have a password" });
  assert.equal(await allow.isChecked(), false, "off by default");
  await expectVisible(page.getByText("turning an account off at the identity provider then no longer stops its password", { exact: false }));
  await allow.check();
  await page.getByRole("button", { name: "Save parameters" }).click();
  await expectVisible(page.getByText("Parameters saved."));
  assert.equal((await a.call("GET", "api/admin/parameters")).sso.allowLocalPassword, true);
  await signOut(page);

  // Jordan, who signs in through the local test IdP, asks for a password.
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.getByLabel("Username or email").fill(JORDAN.username);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expectText(h1(page), "Request received");
  const { link } = await mail(JORDAN.email);
  assert.ok(link && link.includes("#/reset?token="), `a reset link in jordan's mail: ${link}`);
  await page.goto(link);
  await expectText(h1(page), "Choose a new password");
  await expectText(page.getByTestId("token-username"), JORDAN.username);
  await page.getByLabel("New password", { exact: true }).fill("tidal meadow compass 4417");
  await page.getByLabel("Repeat new password", { exact: true }).fill("tidal meadow compass 4417");
  await page.getByRole("button", { name: "Save password" }).click();
  await expectText(h1(page), "Password changed");
  await page.getByRole("link", { name: "Back to login" }).click();
  await signIn(page, JORDAN.username, "tidal meadow compass 4417");
  await expectHash(page, /^#\/(views|home)/);
  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
  await signOut(page);

  // The administrator sees it on jordan's page.
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Jordan Example" }).click();
  await expectText(h1(page), "Jordan Example");
  await expectText(page.getByTestId("signs-in-with"), "Single sign-on (Local test IdP) and a password");
  await snap("admin-user-sso-password");
  const jordan = await a.user(JORDAN.username);
  assert.equal(jordan.sso, true);
  assert.equal(jordan.hasPassword, true);
});

e2e("SSO-Konto mit Passwort auf Deutsch: Parameter an, Link aus der E-Mail, anmelden, die Benutzerseite zeigt es", async ({ page, open, admin, mail, snap }) => {
  const a = await admin();
  await open("/login");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await signInToNetwork(page, ADMIN.username, ADMIN.password, "de");
  await open("/admin/parameters");
  await expectText(h1(page), "Parameter");
  await page.getByRole("checkbox", { name: "Single-Sign-on-Konten dürfen auch ein Passwort haben" }).check();
  await snap("admin-parameters-sso");
  await page.getByRole("button", { name: "Parameter speichern" }).click();
  await expectVisible(page.getByText("Parameter gespeichert."));
  await signOut(page, "de");

  await page.getByRole("link", { name: "Passwort vergessen?" }).click();
  await page.getByLabel("Benutzername oder E-Mail-Adresse").fill(JORDAN.email);
  await page.getByRole("button", { name: "Link senden" }).click();
  await expectText(h1(page), "Anfrage erhalten");
  const { link } = await mail(JORDAN.email);
  assert.ok(link && link.includes("#/reset?token="), `a reset link in jordan's mail: ${link}`);
  await page.goto(link);
  await expectText(h1(page), "Neues Passwort wählen");
  await page.getByLabel("Neues Passwort", { exact: true }).fill("Gezeiten Wiese Kompass 4417");
  await page.getByLabel("Neues Passwort wiederholen", { exact: true }).fill("Gezeiten Wiese Kompass 4417");
  await page.getByRole("button", { name: "Passwort speichern" }).click();
  await expectText(h1(page), "Passwort geändert");
  await page.getByRole("link", { name: "Zurück zur Anmeldung" }).click();
  await signIn(page, JORDAN.username, "Gezeiten Wiese Kompass 4417", "de");
  await expectHash(page, /^#\/(views|home)/);
  await signOut(page, "de");

  await signInToNetwork(page, ADMIN.username, ADMIN.password, "de");
  const jordan = await a.user(JORDAN.username);
  await open(`/admin/users/${jordan.id}`);
  await expectText(h1(page), "Jordan Example");
  await expectText(page.getByTestId("signs-in-with"), "Single Sign-on (Local test IdP) und einem Passwort");
  await snap("admin-user-sso-password");
  assert.equal(jordan.hasPassword, true);
});
