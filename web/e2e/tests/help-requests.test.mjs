// Help for accounts without an email: the forgotten-password page answers
// every identifier with one neutral sentence; an operator without an email
// thereby asks its supervisor for help, who sees the count in the
// administration, opens the list and sets a temporary password (or
// dismisses a request); the operator signs in with it and must change it.
import assert from "node:assert/strict";
import { ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openMenuItem, signIn, signOut } from "../lib/flows.mjs";

const PASSWORD = "harbour crane lighthouse 5813";
const TEMPORARY = "read out at the counter 4471";
const OWN = "salt marsh kestrel 2096";
const STALE = 11 * 60; // seconds: past the server's ten-minute step-up window

/** helpEvents lists a user's help request events of the audit log. */
async function helpEvents(a, userId) {
  const { items } = await a.call("GET", `api/admin/audit?${new URLSearchParams({ userId })}`);
  return items.filter((e) => e.type.startsWith("password.help.")).map((e) => e.type).sort();
}

e2e("help request: an operator without email asks, its supervisor sets a temporary password, the operator changes it", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const rostock = await a.createFacility("Rostock Werft");
  await a.createActiveUser({ username: "svea", displayName: "Svea Berg", roles: ["supervisor"], password: PASSWORD,
    facilityIds: [rostock.id] });
  const olaf = await a.createActiveUser({ username: "olaf", displayName: "Olaf Ostmann", password: "a forgotten passphrase 1180",
    facilityIds: [rostock.id] });

  // Olaf forgot his password; he has no email address.
  await open("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expectText(h1(page), "Reset your password");
  await expectVisible(page.getByText("if your account has no email address, ask your supervisor to help you", { exact: false }));
  await page.getByLabel("Username or email").fill("olaf");
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expectText(h1(page), "Request received");
  await expectVisible(page.getByText("If an account matches what you entered, we've emailed it a link to choose a new password, or — if it has no email address — asked its supervisor to help you."));
  await snap("forgot-sent");

  // Svea, his supervisor, sees it at once.
  await page.getByRole("link", { name: "Back to login" }).click();
  await signIn(page, "svea", PASSWORD);
  await expectHash(page, /^#\/home/);
  await expectVisible(page.getByText("Someone without an email address asked for help signing in."));
  await snap("home-help-request");
  await openMenuItem(page, "Administration");
  await expectHash(page, /^#\/admin\/users/);
  const tab = page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Help requests (1 open)" });
  await expectVisible(tab);
  await tab.click();
  await expectText(h1(page), "Help requests");
  const table = page.getByRole("table", { name: "Open help requests" });
  const row = table.getByRole("row").filter({ hasText: "Olaf Ostmann" });
  await expectVisible(row);
  await expectText(row, "olaf");
  await expectText(row, "127.0.0.1");
  await snap("admin-help");

  // Eleven minutes later: the temporary password needs "Confirm it's you" first.
  await stack.advanceClock(STALE);
  await row.getByRole("button", { name: "Set a temporary password for Olaf Ostmann" }).click();
  const dialog = page.getByRole("dialog", { name: "Set a temporary password for Olaf Ostmann" });
  await dialog.getByLabel("Temporary password", { exact: true }).fill(TEMPORARY);
  await snap("admin-help-set-password");
  await dialog.getByRole("button", { name: "Set password" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await stepUp.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(dialog);
  await expectVisible(page.getByText("Temporary password set for Olaf Ostmann, and the request is closed."));
  await expectVisible(page.getByText("No open help requests."));
  await expectVisible(page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Help requests", exact: true }));
  await snap("admin-help-empty");
  assert.deepEqual(await helpEvents(a, olaf.id), ["password.help.requested", "password.help.resolved"]);

  // Olaf signs in with it and must choose his own.
  await signOut(page);
  await signIn(page, "olaf", TEMPORARY);
  await expectHash(page, /^#\/change-password/);
  await page.getByLabel("Temporary password", { exact: true }).fill(TEMPORARY);
  await page.getByLabel("New password", { exact: true }).fill(OWN);
  await page.getByLabel("Repeat new password", { exact: true }).fill(OWN);
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Rostock Werft");
});

e2e("Hilfeanfrage auf Deutsch: verwerfen, vorläufiges Passwort setzen, der Operator ändert es", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const wismar = await a.createFacility("Wismar Hafen");
  await a.createActiveUser({ username: "sabine", displayName: "Sabine Kraus", roles: ["supervisor"], password: PASSWORD,
    facilityIds: [wismar.id], locale: "de" });
  await a.createActiveUser({ username: "ole", displayName: "Ole Jansen", password: "vergessene Passphrase eins 2231", facilityIds: [wismar.id] });
  const ina = await a.createActiveUser({ username: "ina", displayName: "Ina Vogt", password: "vergessene Passphrase zwei 3342",
    facilityIds: [wismar.id] });

  await open("/login");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await page.getByRole("link", { name: "Passwort vergessen?" }).click();
  await expectText(h1(page), "Passwort zurücksetzen");
  await page.getByLabel("Benutzername oder E-Mail-Adresse").fill("ole");
  await page.getByRole("button", { name: "Link senden" }).click();
  await expectText(h1(page), "Anfrage erhalten");
  await expectVisible(page.getByText("Wenn ein Konto zu Ihrer Eingabe passt, haben wir ihm einen Link zum Wählen eines neuen Passworts gesendet oder – wenn es keine E-Mail-Adresse hat – seinen Supervisor gebeten, Ihnen zu helfen."));
  await snap("forgot-sent");
  // Ina asks as well (through the API).
  await new ApiClient(stack.url).call("POST", "api/auth/password/reset", { identifier: "ina" });

  await page.getByRole("link", { name: "Zurück zur Anmeldung" }).click();
  await signIn(page, "sabine", PASSWORD, "de");
  await expectHash(page, /^#\/home/);
  await expectVisible(page.getByText("2 Personen ohne E-Mail-Adresse haben um Hilfe bei der Anmeldung gebeten."));
  await snap("home-help-request");
  await page.getByRole("link", { name: "Hilfeanfragen öffnen" }).click();
  await expectText(h1(page), "Hilfeanfragen");
  await expectVisible(page.getByRole("navigation", { name: "Verwaltung" }).getByRole("link", { name: "Hilfeanfragen (2 offen)" }));
  const table = page.getByRole("table", { name: "Offene Hilfeanfragen" });
  await expectVisible(table.getByRole("row").filter({ hasText: "Ina Vogt" }));
  await snap("admin-help");

  // Ina remembered her password meanwhile: dismissed.
  await page.getByRole("button", { name: "Anfrage von Ina Vogt verwerfen" }).click();
  const dismiss = page.getByRole("dialog", { name: "Anfrage von Ina Vogt verwerfen?" });
  await snap("admin-help-dismiss");
  await dismiss.getByRole("button", { name: "Verwerfen" }).click();
  await expectVisible(page.getByText("Die Anfrage von Ina Vogt wurde verworfen."));
  await expectHidden(table.getByRole("row").filter({ hasText: "Ina Vogt" }));
  await expectVisible(page.getByRole("navigation", { name: "Verwaltung" }).getByRole("link", { name: "Hilfeanfragen (1 offen)" }));
  assert.deepEqual(await helpEvents(a, ina.id), ["password.help.requested", "password.help.resolved"]);

  // Ole gets a temporary password, from his user page this time.
  await table.getByRole("link", { name: "Ole Jansen" }).click();
  await expectText(h1(page), "Ole Jansen");
  await expectVisible(page.getByText("Hat um Hilfe bei der Anmeldung gebeten."));
  await snap("admin-user-help-request");
  await page.getByRole("button", { name: "Vorläufiges Passwort setzen" }).click();
  const dialog = page.getByRole("dialog", { name: "Vorläufiges Passwort für Ole Jansen festlegen" });
  await dialog.getByLabel("Vorläufiges Passwort", { exact: true }).fill("am Schalter vorgelesen 5562");
  await dialog.getByRole("button", { name: "Passwort festlegen" }).click();
  await expectVisible(page.getByText("Vorläufiges Passwort gesetzt. Ole Jansen muss es bei der nächsten Anmeldung ändern."));
  await expectHidden(page.getByText("Hat um Hilfe bei der Anmeldung gebeten."));
  await page.getByRole("navigation", { name: "Verwaltung" }).getByRole("link", { name: "Hilfeanfragen", exact: true }).click();
  await expectVisible(page.getByText("Keine offenen Hilfeanfragen."));

  await signOut(page, "de");
  await signIn(page, "ole", "am Schalter vorgelesen 5562", "de");
  await expectHash(page, /^#\/change-password/);
  await expectText(h1(page), "Eigenes Passwort wählen");
  await page.getByLabel("Vorläufiges Passwort", { exact: true }).fill("am Schalter vorgelesen 5562");
  await page.getByLabel("Neues Passwort", { exact: true }).fill("Leuchtturm Möwe Deich 8830");
  await page.getByLabel("Neues Passwort wiederholen", { exact: true }).fill("Leuchtturm Möwe Deich 8830");
  await page.getByRole("button", { name: "Speichern und weiter" }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Wismar Hafen");
});
