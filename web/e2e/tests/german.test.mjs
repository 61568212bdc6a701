// The main flows in German, switched with the language control.
import assert from "node:assert/strict";
import { ADMIN, e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, signIn, signOut } from "../lib/flows.mjs";

e2e("auf Deutsch: anmelden, Ansicht wählen, Startseite, abmelden", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createFacility("Dresden Altstadt");
  await open("/login");
  await expectText(h1(page), "Sign in");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await expectText(h1(page), "Anmelden");
  await expectVisible(page.getByRole("link", { name: "Passwort vergessen?" }));
  await snap("login");
  await signIn(page, ADMIN.username, "ein falsches Passwort ganz sicher", "de");
  await expectText(page.getByRole("alert"), "Benutzername oder Passwort ist falsch.");
  await signIn(page, ADMIN.username, ADMIN.password, "de");
  await expectHash(page, /^#\/views/);
  await expectText(h1(page), "Ansicht wählen");
  await expectVisible(page.getByRole("button", { name: /Gesamtes Netzwerk/ }));
  await snap("views");
  await page.getByRole("button", { name: /Dresden Altstadt/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Dresden Altstadt");
  await expectVisible(page.getByText("Standortansicht", { exact: true }));
  await expectText(page.getByRole("banner").getByRole("link", { name: "Ansicht wechseln" }), "Ansicht wechseln");
  await snap("home-facility");
  await signOut(page, "de");
  await expectText(h1(page), "Anmelden");
});

e2e("auf Deutsch: Passwort vergessen, Link, neues Passwort, anmelden", async ({ page, open, admin, mail, snap }) => {
  const a = await admin();
  await a.createActiveUser({ username: "jonas", displayName: "Jonas Albers", email: "jonas@example.com",
    password: "erste Passphrase von ihm 42", networkAccess: true });

  await open("/login");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await page.getByRole("link", { name: "Passwort vergessen?" }).click();
  await expectText(h1(page), "Passwort zurücksetzen");
  await snap("forgot");
  await page.getByLabel("Benutzername oder E-Mail-Adresse").fill("jonas");
  await page.getByRole("button", { name: "Link senden" }).click();
  await expectText(h1(page), "Prüfen Sie Ihr Postfach");
  await snap("forgot-sent");

  const { link } = await mail("jonas@example.com");
  assert.ok(link, "a reset link in the mail");
  await page.goto(link);
  await expectText(h1(page), "Neues Passwort wählen");
  const password = page.getByLabel("Neues Passwort", { exact: true });
  const repeat = page.getByLabel("Neues Passwort wiederholen", { exact: true });
  await password.fill("zu kurz");
  await expectText(page.getByRole("listitem").filter({ hasText: "Mindestens 15 Zeichen" }), "Noch nicht erfüllt");
  await password.fill("jonas-passwort-mit-namen-2024");
  await repeat.fill("jonas-passwort-mit-namen-2024");
  await expectVisible(page.getByText("Beide Eingaben stimmen überein"));
  await page.getByRole("button", { name: "Passwort speichern" }).click();
  await expectVisible(page.getByText(/enthält Ihren Namen oder den Namen der Organisation/));
  await snap("reset-policy-violation");
  await password.fill("Laterne Umlaufbahn Wiese 5729");
  await repeat.fill("Laterne Umlaufbahn Wiese 5729");
  await page.getByRole("button", { name: "Passwort speichern" }).click();
  await expectText(h1(page), "Passwort geändert");
  await snap("reset-done");
  await page.getByRole("link", { name: "Zurück zur Anmeldung" }).click();
  await signIn(page, "jonas", "Laterne Umlaufbahn Wiese 5729", "de");
  await expectHash(page, /^#\/views/);
  await expectText(h1(page), "Ansicht wählen");
});
