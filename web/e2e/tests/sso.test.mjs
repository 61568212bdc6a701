// Single sign-on through the local OIDC issuer that stands in for Cognito:
// the button on the sign-in page, the provider's form, back signed in; and
// an identity without a Backoffice account gets the page's explanation.
import { e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openMenuItem } from "../lib/flows.mjs";

e2e("sign in with the SSO button as the demo SSO user", async ({ page, open, snap }) => {
  await open("/login");
  const button = page.getByRole("link", { name: "Sign in with Local test IdP" });
  await expectVisible(button);
  await snap("login-with-sso");
  await button.click();
  // The local identity provider's page (Cognito would send the browser on to the tenant's IdP).
  await expectVisible(page.getByRole("heading", { name: /Local test identity provider/ }));
  await snap("sso-local-idp");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // Back in the Backoffice, signed in: jordan has network access and chooses a view.
  await expectHash(page, /^#\/(views|home)/);
  if (/#\/views/.test(page.url())) {
    await page.getByRole("button", { name: /Whole network/ }).click();
    await expectHash(page, /^#\/home/);
  }
  await openMenuItem(page, "Account settings");
  await expectText(h1(page), "Account settings");
  await expectVisible(page.getByText("Single sign-on", { exact: true }).first());
});

e2e("an SSO identity without an account is told so on the sign-in page", async ({ page, open, snap }) => {
  await open("/login");
  await page.getByRole("link", { name: "Sign in with Local test IdP" }).click();
  await page.getByLabel("Email").fill("stranger@example.test");
  await page.getByLabel("Subject").fill("stranger");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectHash(page, /^#\/login/);
  await expectVisible(page.getByText("There is no Backoffice account for this single sign-on identity."));
  await snap("login-sso-no-account");
});
