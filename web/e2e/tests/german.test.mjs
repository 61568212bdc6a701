// The main flows in German, switched with the language control.
import assert from "node:assert/strict";
import { ADMIN, e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, signIn, signOut, signInToNetwork } from "../lib/flows.mjs";

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
  await expectText(h1(page), "Anfrage erhalten");
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

e2e("auf Deutsch: Identität bestätigen, dann ist das vorläufige Passwort gesetzt", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Leipzig Ost");
  const nora = await a.createActiveUser({ username: "nora", displayName: "Nora Kühn", password: "Wasserturm Birke Kompass 3861",
    facilityIds: [facility.id] });
  await open("/login");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await signInToNetwork(page, ADMIN.username, ADMIN.password, "de");
  await open(`/admin/users/${nora.id}`);
  await expectText(h1(page), "Nora Kühn");
  // Elf Minuten später (die Uhr des Stacks wird vorgestellt): die Anmeldung ist zu alt.
  await stack.advanceClock(11 * 60);

  await page.getByRole("button", { name: "Vorläufiges Passwort setzen" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Vorläufiges Passwort für Nora Kühn festlegen" });
  await pwDialog.getByLabel("Vorläufiges Passwort", { exact: true }).fill("am Telefon genannt 4417");
  await pwDialog.getByRole("button", { name: "Passwort festlegen" }).click();
  const stepUp = page.getByRole("dialog", { name: "Bestätigen Sie Ihre Identität" });
  await expectVisible(stepUp.getByText("Für diese Änderung ist eine aktuelle Anmeldung nötig. Geben Sie Ihr Passwort ein, um fortzufahren."));
  await stepUp.getByRole("button", { name: "Abbrechen" }).click();
  await expectText(pwDialog.getByRole("alert"), "Es wurde nichts geändert: Bestätigen Sie Ihre Identität, um diese Änderung vorzunehmen.");

  await pwDialog.getByRole("button", { name: "Passwort festlegen" }).click();
  await stepUp.getByLabel("Passwort", { exact: true }).fill("ganz sicher nicht das Passwort");
  await stepUp.getByRole("button", { name: "Bestätigen" }).click();
  await expectVisible(stepUp.getByText("Ihr aktuelles Passwort ist falsch."));
  await snap("step-up-wrong-password");
  await stepUp.getByLabel("Passwort", { exact: true }).fill(ADMIN.password);
  await stepUp.getByRole("button", { name: "Bestätigen" }).click();
  await expectHidden(stepUp);
  await expectVisible(page.getByText("Vorläufiges Passwort gesetzt. Nora Kühn muss es bei der nächsten Anmeldung ändern."));
});
