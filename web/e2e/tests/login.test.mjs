// Sign-in and sign-out, the wrong-password message and the lockout message.
import { ADMIN, e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, signIn, signOut } from "../lib/flows.mjs";

e2e("login, choose the network view, home, logout", async ({ page, open, snap }) => {
  await open("/");
  await expectHash(page, /^#\/login/);
  await snap("login");
  await signIn(page, ADMIN.username, ADMIN.password);
  // The bootstrap super_admin has network access and no facility: it chooses.
  await expectHash(page, /^#\/views/);
  await expectText(h1(page), "Choose your view");
  await snap("views");
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(page.getByTestId("current-view"), "Whole network");
  await snap("home-network");
  await signOut(page);
  // The session is gone: the app's own pages send the visitor back to sign in.
  await open("/home");
  await expectHash(page, /^#\/login/);
});

e2e("a wrong password says so and keeps the username", async ({ page, open, snap }) => {
  await open("/login");
  await signIn(page, ADMIN.username, "not the right passphrase at all");
  await expectText(page.getByRole("alert"), "The username or password is incorrect.");
  await snap("login-wrong-password");
  const username = page.getByLabel("Username", { exact: true });
  const password = page.getByLabel("Password", { exact: true });
  if ((await username.inputValue()) !== ADMIN.username) throw new Error("the username was not kept");
  if ((await password.inputValue()) !== "") throw new Error("the wrong password was not cleared");
  // Empty fields are caught before asking the server.
  await username.fill("");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expectVisible(page.getByText("Enter your username.", { exact: true }));
  await expectVisible(page.getByText("Enter your password.", { exact: true }));
});

e2e("the sixth failed attempt shows the lockout message", async ({ page, open, snap }) => {
  await open("/login");
  for (let i = 1; i <= 5; i++) {
    await signIn(page, ADMIN.username, `wrong passphrase number ${i}`);
    await expectText(page.getByRole("alert"), "The username or password is incorrect.");
  }
  await signIn(page, ADMIN.username, "wrong passphrase number 6");
  await expectText(page.getByRole("alert"), /Too many attempts\. Please wait \d+ seconds and try again\./);
  await snap("login-locked");
  // Locked: even the right password is refused until the lock ends.
  await signIn(page, ADMIN.username, ADMIN.password);
  await expectText(page.getByRole("alert"), /Too many attempts/);
  await expectHash(page, /^#\/login/);
});
