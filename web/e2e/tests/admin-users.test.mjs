// Administration of users, clicked through as an admin or a supervisor.
import assert from "node:assert/strict";
import { ADMIN, ApiClient, e2e, expectHash, expectHidden, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, openAdmin, signIn, signInToNetwork, signOut } from "../lib/flows.mjs";
import { totp } from "../lib/totp.mjs";

const PASSWORD = "marble kettle summit 6140";

e2e("admin: create a user with an invitation, search it, deactivate and activate it", async ({ page, open, admin, mail, snap }) => {
  const a = await admin();
  await a.createFacility("Potsdam Zentrum");
  await a.createActiveUser({ username: "bystander", displayName: "Bea Stander", password: PASSWORD, networkAccess: true });
  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Users");
  await snap("admin-users");

  await page.getByRole("link", { name: "New user" }).click();
  await expectText(h1(page), "New user");
  await page.getByLabel("Username", { exact: true }).fill("paul");
  await page.getByLabel("Display name", { exact: true }).fill("Paul Wagner");
  await page.getByLabel("Email address", { exact: true }).fill("paul@example.com");
  await page.getByRole("checkbox", { name: "Potsdam Zentrum" }).check();
  await expectVisible(page.getByRole("radio", { name: "Send an invitation by email" }));
  assert.ok(await page.getByRole("radio", { name: "Send an invitation by email" }).isChecked(), "invitation is the default");
  await snap("admin-user-new");
  await page.getByRole("button", { name: "Create user" }).click();
  await expectHash(page, /^#\/admin\/users\/u_/);
  await expectText(h1(page), "Paul Wagner");
  await expectVisible(page.getByText("Invitation sent to paul@example.com."));
  await expectVisible(page.getByText("Invited", { exact: true }).first());
  await snap("admin-user");
  const invitation = await mail("paul@example.com");
  assert.ok(invitation.link && invitation.link.includes("#/invite?token="), "the invitation mail has a link");

  // Search.
  await page.getByRole("link", { name: "Back to users" }).first().click();
  await expectText(h1(page), "Users");
  const table = page.getByRole("table", { name: "Users" });
  await expectVisible(table.getByRole("link", { name: "Bea Stander" }));
  await page.getByLabel("Search", { exact: true }).fill("paul");
  await expectHidden(table.getByRole("link", { name: "Bea Stander" }));
  await expectVisible(table.getByRole("link", { name: "Paul Wagner" }));
  await snap("admin-users-search");
  await table.getByRole("link", { name: "Paul Wagner" }).click();
  await expectText(h1(page), "Paul Wagner");

  // Deactivate, then activate.
  await page.getByRole("button", { name: "Deactivate" }).click();
  const dialog = page.getByRole("dialog", { name: "Deactivate Paul Wagner?" });
  await expectVisible(dialog);
  await snap("admin-user-deactivate");
  await dialog.getByRole("button", { name: "Deactivate" }).click();
  await expectVisible(page.getByText("Paul Wagner was deactivated. Their sessions have ended."));
  await expectVisible(page.getByText("Inactive", { exact: true }).first());
  await page.getByRole("button", { name: "Activate", exact: true }).click();
  await expectVisible(page.getByText("Paul Wagner was activated."));
  const paul = await a.user("paul");
  assert.notEqual(paul.status, "inactive");
});

e2e("admin: unlock, set a temporary password, reset two-factor", async ({ page, open, admin, stack, snap }) => {
  const a = await admin();
  const facility = await a.createFacility("Lübeck Altstadt");
  await a.createActiveUser({ username: "pia", displayName: "Pia Roth", email: "pia@example.com", password: PASSWORD,
    facilityIds: [facility.id] });
  // Pia turns on two-factor (API), then locks herself out with wrong passwords.
  const pia = new ApiClient(stack.url);
  await pia.login("pia", PASSWORD);
  const { secret } = await pia.call("POST", "api/auth/mfa/totp/enrol", { password: PASSWORD });
  await pia.call("POST", "api/auth/mfa/totp/activate", { code: totp(secret) });
  for (let i = 0; i < 6; i++) {
    await new ApiClient(stack.url).call("POST", "api/auth/login", { username: "pia", password: `wrong ${i} passphrase here` }, { allowError: true });
  }
  assert.equal((await a.user("pia")).locked, true, "pia is locked");

  await open("/login");
  await signInToNetwork(page, ADMIN.username, ADMIN.password);
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Pia Roth" }).click();
  await expectText(h1(page), "Pia Roth");
  await expectVisible(page.getByText("Locked", { exact: true }).first());
  await expectVisible(page.getByText("2FA on", { exact: true }));
  await snap("admin-user-locked");

  await page.getByRole("button", { name: "Unlock sign-in" }).click();
  await expectVisible(page.getByText("Sign-in for Pia Roth is unlocked."));
  await expectHidden(page.getByRole("button", { name: "Unlock sign-in" }));

  await page.getByRole("button", { name: "Set temporary password" }).click();
  const pwDialog = page.getByRole("dialog", { name: "Set a temporary password for Pia Roth" });
  await expectVisible(pwDialog);
  await pwDialog.getByLabel("Temporary password", { exact: true }).fill("handed over by phone 7723");
  await snap("admin-user-temporary-password");
  await pwDialog.getByRole("button", { name: "Set password" }).click();
  await expectVisible(page.getByText("Temporary password set. Pia Roth must change it at the next sign-in."));

  await page.getByRole("button", { name: "Reset two-factor" }).click();
  const mfaDialog = page.getByRole("dialog", { name: "Reset two-factor authentication of Pia Roth?" });
  await mfaDialog.getByRole("button", { name: "Reset two-factor" }).click();
  await expectVisible(page.getByText("Two-factor authentication of Pia Roth was reset; their sessions have ended."));
  await expectVisible(page.getByText("2FA off", { exact: true }));

  // Pia signs in: no second factor any more, the temporary password must be replaced.
  await signOut(page);
  await signIn(page, "pia", "handed over by phone 7723");
  await expectHash(page, /^#\/change-password/);
});

e2e("a supervisor sees only the users of its facility", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const north = await a.createFacility("Nordlager");
  const south = await a.createFacility("Südlager");
  await a.createActiveUser({ username: "sven", displayName: "Sven Supervisor", roles: ["supervisor"], password: PASSWORD,
    facilityIds: [north.id] });
  await a.createUser({ username: "otto", displayName: "Otto North", temporaryPassword: "temporary passphrase 1111", facilityIds: [north.id] });
  await a.createUser({ username: "udo", displayName: "Udo South", temporaryPassword: "temporary passphrase 2222", facilityIds: [south.id] });

  await open("/login");
  await signIn(page, "sven", PASSWORD);
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Nordlager");
  await openAdmin(page, "Users");
  const table = page.getByRole("table", { name: "Users" });
  await expectVisible(table.getByRole("link", { name: "Otto North" }));
  assert.equal(await table.getByRole("link", { name: "Udo South" }).count(), 0, "no user of another facility");
  assert.equal(await table.getByRole("link", { name: /admin/i }).count(), 0, "no admin");
  assert.equal(await page.getByRole("link", { name: "New user" }).count(), 0, "a supervisor creates nobody");
  assert.equal(await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Parameters" }).count(), 0);
  await snap("admin-users-supervisor");
  // A supervisor may set a temporary password for its operator.
  await table.getByRole("link", { name: "Otto North" }).click();
  await expectText(h1(page), "Otto North");
  await expectVisible(page.getByRole("button", { name: "Set temporary password" }));
  await snap("admin-user-supervisor");
});

e2e("a supervisor helps only operators whose every facility is its own", async ({ page, open, admin, stack }) => {
  const a = await admin();
  const north = await a.createFacility("Nordlager");
  const south = await a.createFacility("Südlager");
  await a.createActiveUser({ username: "sven", displayName: "Sven Supervisor", roles: ["supervisor"], password: PASSWORD,
    facilityIds: [north.id] });
  await a.createActiveUser({ username: "wanda", displayName: "Wanda Network", roles: ["supervisor"], password: PASSWORD,
    networkAccess: true });
  const both = await a.createUser({ username: "bert", displayName: "Bert Both", temporaryPassword: "temporary passphrase 3131",
    facilityIds: [north.id, south.id] });
  await a.createUser({ username: "otto", displayName: "Otto North", temporaryPassword: "temporary passphrase 1111", facilityIds: [north.id] });
  await a.createUser({ username: "nina", displayName: "Nina Network", temporaryPassword: "temporary passphrase 2424",
    networkAccess: true, facilityIds: [north.id] });
  const notice = page.getByText("You can help the operators of your facilities only.");
  const setPassword = page.getByRole("button", { name: "Set temporary password" });
  const openUser = async (name) => {
    await page.getByRole("link", { name: "Back to users" }).first().click();
    await page.getByRole("table", { name: "Users" }).getByRole("link", { name }).click();
    await expectText(h1(page), name);
  };

  // Sven (Nordlager only) sees Bert, who shares Nordlager, but may not help him: Bert also works in Südlager.
  await open("/login");
  await signIn(page, "sven", PASSWORD);
  await expectHash(page, /^#\/home/);
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Bert Both" }).click();
  await expectText(h1(page), "Bert Both");
  await expectVisible(notice);
  assert.equal(await setPassword.count(), 0, "no action for an operator of another facility too");
  await expectVisible(page.getByText("There is nothing you can do for this user here."));
  // The server agrees.
  const asSven = new ApiClient(stack.url);
  await asSven.login("sven", PASSWORD);
  const refused = await asSven.call("POST", `api/admin/users/${both.id}/password`, { password: "not going to happen 5150", temporary: true },
    { allowError: true });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, "forbidden");
  // Otto works in Nordlager only: Sven may help him.
  await openUser("Otto North");
  await expectVisible(setPassword);
  assert.equal(await notice.count(), 0);
  await signOut(page);

  // Wanda has network access: she helps any operator without network access, but not Nina, who has it.
  await signIn(page, "wanda", PASSWORD);
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await openAdmin(page, "Users");
  await page.getByRole("table", { name: "Users" }).getByRole("link", { name: "Bert Both" }).click();
  await expectText(h1(page), "Bert Both");
  await expectVisible(setPassword);
  assert.equal(await notice.count(), 0);
  await openUser("Nina Network");
  await expectVisible(notice);
  assert.equal(await setPassword.count(), 0, "no action for an operator with network access");
});
