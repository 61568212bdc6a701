// Administration: facilities, parameters, the audit log and the admin alias.
import assert from "node:assert/strict";
import { ADMIN, ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible, waitUntil } from "../lib/harness.mjs";
import { h1, openAdmin, signIn, signInToNetwork, signOut } from "../lib/flows.mjs";

e2e("admin: facilities add, rename, deactivate, activate, delete", async ({ page, open, snap }) => {
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Facilities");
  await page.getByLabel("Name", { exact: true }).fill("Kiel");
  await page.getByRole("button", { name: "Add facility" }).click();
  await expectVisible(page.getByText("Kiel was added."));
  const table = page.getByRole("table", { name: "Facilities" });
  await expectVisible(table.getByRole("rowheader", { name: "Kiel" }));
  await snap("admin-facilities");

  await page.getByRole("button", { name: "Rename Kiel" }).click();
  const rename = page.getByRole("dialog", { name: "Rename Kiel" });
  await rename.getByLabel("New name").fill("Kiel Hafen");
  await snap("admin-facility-rename");
  await rename.getByRole("button", { name: "Rename" }).click();
  await expectVisible(page.getByText("The facility is now called Kiel Hafen."));
  await expectVisible(table.getByRole("rowheader", { name: "Kiel Hafen" }));

  await page.getByRole("button", { name: "Deactivate Kiel Hafen" }).click();
  await page.getByRole("dialog", { name: "Deactivate Kiel Hafen?" }).getByRole("button", { name: "Deactivate" }).click();
  await expectVisible(page.getByText("Kiel Hafen was deactivated."));
  await expectText(table.getByRole("row").filter({ hasText: "Kiel Hafen" }), "Inactive");
  await page.getByRole("button", { name: "Activate Kiel Hafen" }).click();
  await expectVisible(page.getByText("Kiel Hafen was activated."));

  await page.getByRole("button", { name: "Delete Kiel Hafen" }).click();
  const del = page.getByRole("dialog", { name: "Delete Kiel Hafen?" });
  await snap("admin-facility-delete");
  await del.getByRole("button", { name: "Delete" }).click();
  await expectVisible(page.getByText("Kiel Hafen was deleted."));
  await expectHidden(page.getByRole("rowheader", { name: "Kiel Hafen" }));
});

e2e("admin: parameters edit shows saved, a value out of range is refused", async ({ page, open, admin, snap }) => {
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Parameters");
  await snap("admin-parameters");
  const minLength = page.getByLabel("Minimum length", { exact: true });
  await minLength.fill("4");
  await page.getByRole("button", { name: "Save parameters" }).click();
  await expectVisible(page.getByText(/^Minimum length must be a whole number from 8 to \d+/));
  await minLength.fill("16");
  await page.getByRole("button", { name: "Save parameters" }).click();
  await expectVisible(page.getByText("Parameters saved."));
  const a = await admin();
  assert.equal((await a.call("GET", "api/admin/parameters")).passwordPolicy.minLength, 16);
  await page.reload();
  await expectText(h1(page), "Parameters");
  assert.equal(await page.getByLabel("Minimum length", { exact: true }).inputValue(), "16");
});

e2e("admin: the audit log shows the events", async ({ page, open, stack, snap }) => {
  await new ApiClient(stack.url).call("POST", "api/auth/login", { username: "admin", password: "not the right one at all" }, { allowError: true });
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Audit log");
  const table = page.getByRole("table", { name: "Audit events" });
  await expectVisible(table.getByText("Sign-in failed", { exact: true }).first());
  await expectVisible(table.getByText("Signed in", { exact: true }).first());
  await expectVisible(table.getByText("View chosen", { exact: true }).first());
  await snap("admin-audit");
  await page.getByLabel("Event", { exact: true }).selectOption("login.failed");
  await expectHidden(table.getByText("View chosen", { exact: true }).first());
  await expectVisible(table.getByText("Sign-in failed", { exact: true }).first());
  await expectHash(page, /type=login\.failed/);
});

e2e("admin alias: set on the parameters screen, the app moves under it, / shows no login", async ({ page, open, stack, context, snap }) => {
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Parameters");
  await page.getByLabel("Alias", { exact: true }).fill("secret-door-42");
  await page.getByRole("button", { name: "Save parameters" }).click();
  const confirm = page.getByRole("dialog", { name: "Change the Backoffice address?" });
  await expectVisible(confirm);
  await expectText(confirm, `${stack.url}/secret-door-42/`);
  await snap("admin-alias-confirm");
  await confirm.getByRole("button", { name: "Save and move" }).click();
  await waitUntil(() => new URL(page.url()).pathname === "/secret-door-42/", () => `the page to move under the alias (at ${page.url()})`);
  await expectHash(page, /^#\/admin\/parameters/);
  await expectText(h1(page), "Parameters");

  // Signing out and in again works under the alias.
  await signOut(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await expectHash(page, /^#\/(views|home)/);
  assert.equal(new URL(page.url()).pathname, "/secret-door-42/");

  // The bare root shows no login form, and the API is not there either.
  const other = await context.newPage();
  await other.goto(`${stack.url}/`);
  await other.waitForTimeout(300);
  assert.equal(await other.getByRole("textbox", { name: "Password" }).count(), 0, "no password field at /");
  assert.equal(await other.getByRole("button", { name: "Sign in" }).count(), 0, "no sign-in button at /");
  const res = await fetch(`${stack.url}/api/auth/config`);
  assert.equal(res.status, 404);
  await other.close();
}, { allowNotFound: true });
