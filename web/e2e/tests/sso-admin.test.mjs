// Single sign-on administration, clicked through as a super admin: the
// identity providers (add OpenID Connect and SAML, edit, remove with
// confirmation and the step-up it may need), the strategy and group
// mappings of the parameters — and an admin sees none of it.
import assert from "node:assert/strict";
import { ADMIN, ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openAdmin, signIn, signInToNetwork, signOut } from "../lib/flows.mjs";

const PASSWORD = "copper lantern harbour 6248";
const STALE = 11 * 60; // seconds: past the server's ten-minute step-up window

const METADATA = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sts.fabrikam.test/adfs/services/trust">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sts.fabrikam.test/adfs/ls/"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;

/** provider reads one provider through the API (null when there is none). */
async function provider(a, id) {
  const { items } = await a.call("GET", "api/admin/sso/providers");
  return items.find((p) => p.id === id) || null;
}

e2e("sso admin: add an OpenID Connect provider, edit it keeping the secret, add SAML from a file, remove with step-up", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Single sign-on");
  const local = page.getByRole("region", { name: "Local test IdP" });
  await expectVisible(local);
  await expectText(local, "OpenID Connect");
  await snap("admin-sso");

  // Add an OpenID Connect provider.
  await page.getByRole("link", { name: "Add identity provider" }).click();
  await expectText(h1(page), "Add an identity provider");
  assert.ok(await page.getByRole("radio", { name: "OpenID Connect" }).isChecked(), "OpenID Connect is the default");
  await page.getByLabel("Name on the sign-in button").fill("Contoso");
  await page.getByLabel("Provider ID").fill("Contoso");
  // What the page checks itself: an http issuer elsewhere than this machine, no openid scope.
  await page.getByLabel("Issuer", { exact: true }).fill("http://login.contoso.test/v2.0");
  await page.getByLabel("Client ID").fill("backoffice");
  await page.getByLabel("Client secret").fill("contoso-client-secret-1");
  await page.getByLabel("Scopes").fill("email profile");
  await page.getByRole("button", { name: "Add provider" }).click();
  await expectVisible(page.getByText("Issuer must be an absolute address starting with https://."));
  await expectVisible(page.getByText("Scopes must include openid."));
  await page.getByLabel("Issuer", { exact: true }).fill("https://login.contoso.test/v2.0");
  await page.getByLabel("Scopes").fill("openid email profile");
  await page.getByLabel("Groups", { exact: true }).fill("groups");
  await page.getByRole("checkbox", { name: "Trust the email addresses this provider sends" }).check();
  await snap("admin-sso-new");
  await page.getByRole("button", { name: "Add provider" }).click();
  await expectHash(page, /^#\/admin\/sso$/);
  await expectVisible(page.getByText("Contoso was added: its button is on the sign-in page now."));
  const contoso = page.getByRole("region", { name: "Contoso" });
  await expectText(contoso, "Email trusted");
  await expectText(contoso, "https://login.contoso.test/v2.0");
  let saved = await provider(a, "Contoso");
  assert.equal(saved.name, "Contoso");
  assert.equal(saved.trustEmail, true);
  assert.equal(saved.oidc.clientSecretSet, true);
  assert.deepEqual(saved.attributes, { email: "email", name: "name", groups: "groups" });

  // Edit it: a new client id, the secret left empty stays.
  await page.getByRole("link", { name: "Edit Contoso" }).click();
  await expectText(h1(page), "Edit Contoso");
  assert.equal(await page.getByLabel("Provider ID").isDisabled(), true, "the id is fixed");
  await expectVisible(page.getByText("A secret is stored and never shown."));
  await page.getByLabel("Client ID").fill("backoffice-2");
  await snap("admin-sso-edit");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expectVisible(page.getByText("The changes to Contoso were saved."));
  saved = await provider(a, "Contoso");
  assert.equal(saved.oidc.clientId, "backoffice-2");
  assert.equal(saved.oidc.clientSecretSet, true, "the secret was kept");

  // A SAML provider from a metadata file; a file that is no metadata is refused by the provider directory.
  await page.getByRole("link", { name: "Add identity provider" }).click();
  await page.getByRole("radio", { name: "SAML 2.0" }).check();
  await expectHidden(page.getByLabel("Client ID"));
  await page.getByLabel("Name on the sign-in button").fill("Fabrikam ADFS");
  await page.getByLabel("Provider ID").fill("Fabrikam");
  await page.getByRole("radio", { name: "A metadata file" }).check();
  const file = page.getByLabel("Metadata file (XML)");
  await file.setInputFiles({ name: "not-metadata.xml", mimeType: "application/xml", buffer: Buffer.from("<html><body>a login page</body></html>") });
  await expectVisible(page.getByText("Loaded: not-metadata.xml (1 KB)."));
  await page.getByRole("button", { name: "Add provider" }).click();
  await expectVisible(page.getByText(/The identity provider settings were refused: .*EntityDescriptor/));
  await file.setInputFiles({ name: "fabrikam-metadata.xml", mimeType: "application/xml", buffer: Buffer.from(METADATA) });
  await expectVisible(page.getByText("Loaded: fabrikam-metadata.xml (1 KB)."));
  await page.getByLabel("Email", { exact: true }).fill("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress");
  await page.getByRole("checkbox", { name: "Trust the email addresses this provider sends" }).check();
  await snap("admin-sso-new-saml");
  await page.getByRole("button", { name: "Add provider" }).click();
  await expectVisible(page.getByText("Fabrikam ADFS was added: its button is on the sign-in page now."));
  await expectText(page.getByRole("region", { name: "Fabrikam ADFS" }), "SAML 2.0");
  saved = await provider(a, "Fabrikam");
  assert.equal(saved.type, "saml");
  assert.ok(saved.saml.metadataXml.includes("EntityDescriptor"));

  // Eleven minutes later, removing asks "Confirm it's you" first, then completes.
  await stack.advanceClock(STALE);
  await page.getByRole("button", { name: "Remove Fabrikam ADFS" }).click();
  const confirm = page.getByRole("dialog", { name: "Remove Fabrikam ADFS?" });
  await expectVisible(confirm);
  await snap("admin-sso-remove");
  await confirm.getByRole("button", { name: "Remove provider" }).click();
  const stepUp = page.getByRole("dialog", { name: "Confirm it's you" });
  await expectVisible(stepUp);
  await stepUp.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await stepUp.getByRole("button", { name: "Confirm" }).click();
  await expectHidden(stepUp);
  await expectHidden(confirm);
  await expectVisible(page.getByText("Fabrikam ADFS was removed."));
  await expectHidden(page.getByRole("region", { name: "Fabrikam ADFS" }));
  assert.equal(await provider(a, "Fabrikam"), null);

  // The sign-in page offers the new provider.
  await signOut(page);
  await expectVisible(page.getByRole("link", { name: "Sign in with Contoso" }));
  assert.equal(await page.getByRole("link", { name: "Sign in with Fabrikam ADFS" }).count(), 0);
});

e2e("sso admin: the strategy and a group mapping in the parameters give a first SSO sign-in its roles and facility", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const kiel = await a.createFacility("Kiel Hafen");
  await a.createFacility("Flensburg");
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Parameters");
  await page.getByLabel("Accounts for single sign-on").selectOption("provision");
  await page.getByRole("button", { name: "Add group mapping" }).click();
  const mapping = page.getByRole("group", { name: "Group mapping 1" });
  await expectVisible(mapping);
  await mapping.getByLabel("Identity provider").selectOption({ label: "Local test IdP" });
  await mapping.getByLabel("Group at the provider").fill("kiel-leads");
  await mapping.getByRole("checkbox", { name: "Supervisor" }).check();
  await mapping.getByRole("checkbox", { name: "Kiel Hafen" }).check();
  // A second mapping without a group is refused here, then removed.
  await page.getByRole("button", { name: "Add group mapping" }).click();
  await page.getByRole("button", { name: "Save parameters" }).click();
  await expectVisible(page.getByText("Group mapping 2: Group at the provider is required."));
  await snap("admin-parameters-sso");
  await page.getByRole("button", { name: "Remove group mapping 2" }).click();
  await page.getByRole("button", { name: "Save parameters" }).click();
  await expectVisible(page.getByText("Parameters saved."));
  const { sso } = await a.call("GET", "api/admin/parameters");
  assert.equal(sso.strategy, "provision");
  assert.deepEqual(sso.groupMappings, [{ provider: "LocalIdP", group: "kiel-leads", roles: ["supervisor"], networkAccess: false,
    facilityIds: [kiel.id] }]);

  // A first sign-in through the local provider, in the group: an account with the mapped role and facility.
  await signOut(page);
  await page.getByRole("link", { name: "Sign in with Local test IdP" }).click();
  await page.getByLabel("Email").fill("lena@example.test");
  await page.getByLabel("Display name").fill("Lena Petersen");
  await page.getByLabel("Groups").fill("kiel-leads");
  await page.getByLabel("Subject").fill("lena");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Kiel Hafen");
  const lena = await a.user("lena@example.test");
  assert.deepEqual([...lena.roles].sort(), ["operator", "supervisor"]);
  assert.deepEqual(lena.facilityIds, [kiel.id]);
  assert.equal(lena.sso, true);
});

e2e("sso admin: an admin who is no super admin sees no single sign-on administration", async ({ page, open, admin, stack }) => {
  const a = await admin();
  await a.createActiveUser({ username: "ada", displayName: "Ada Admin", roles: ["admin"], password: PASSWORD, networkAccess: true });
  await open("/login");
  await signInToNetwork(page, "ada", PASSWORD);
  await openAdmin(page, "Users");
  const nav = page.getByRole("navigation", { name: "Administration" });
  await expectVisible(nav.getByRole("link", { name: "Parameters" }));
  assert.equal(await nav.getByRole("link", { name: "Single sign-on" }).count(), 0, "no SSO tab for an admin");
  await open("/admin/sso");
  await expectHash(page, /^#\/home/);
  await open("/admin/parameters");
  await expectText(h1(page), "Parameters");
  await expectVisible(page.getByText("A super admin manages the identity providers."));
  assert.equal(await page.getByRole("button", { name: "Add group mapping" }).count(), 0);
  // The server agrees.
  const ada = new ApiClient(stack.url);
  await ada.login("ada", PASSWORD);
  const listed = await ada.call("GET", "api/admin/sso/providers", undefined, { allowError: true });
  assert.equal(listed.status, 403);
});

e2e("Single Sign-on auf Deutsch: SAML-Anbieter mit Metadaten-URL hinzufügen, nach Bestätigung der Identität", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  await open("/login");
  await page.getByRole("navigation", { name: "Language" }).getByRole("button", { name: "Deutsch" }).click();
  await signInToNetwork(page, ADMIN.username, ADMIN.password, "de");
  await open("/admin/sso");
  await expectText(h1(page), "Single Sign-on");
  await snap("admin-sso");
  await page.getByRole("link", { name: "Identitätsanbieter hinzufügen" }).click();
  await expectText(h1(page), "Identitätsanbieter hinzufügen");
  await page.getByRole("radio", { name: "SAML 2.0" }).check();
  await page.getByLabel("Name auf der Schaltfläche").fill("Nordwind AD");
  await page.getByLabel("Anbieter-ID").fill("Nordwind");
  await page.getByLabel("Metadaten-URL", { exact: true }).fill("https://adfs.nordwind.test/FederationMetadata/2007-06/FederationMetadata.xml");
  await page.getByRole("checkbox", { name: "Den E-Mail-Adressen dieses Anbieters vertrauen" }).check();
  await snap("admin-sso-new-saml");
  // Elf Minuten später: erst „Bestätigen Sie Ihre Identität“, dann ist der Anbieter gespeichert.
  await stack.advanceClock(STALE);
  await page.getByRole("button", { name: "Anbieter hinzufügen" }).click();
  const stepUp = page.getByRole("dialog", { name: "Bestätigen Sie Ihre Identität" });
  await stepUp.getByLabel("Passwort", { exact: true }).fill(ADMIN.password);
  await stepUp.getByRole("button", { name: "Bestätigen" }).click();
  await expectHidden(stepUp);
  await expectVisible(page.getByText("Nordwind AD wurde hinzugefügt: Die Schaltfläche ist jetzt auf der Anmeldeseite."));
  await expectText(page.getByRole("region", { name: "Nordwind AD" }), "E-Mail vertraut");
  const saved = await provider(a, "Nordwind");
  assert.equal(saved.saml.metadataUrl, "https://adfs.nordwind.test/FederationMetadata/2007-06/FederationMetadata.xml");
  assert.equal(saved.trustEmail, true);
});
