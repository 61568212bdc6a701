// Steps several tests share, done as a person does them: by label and by
// button name, in the browser.
import { expectHash, expectVisible } from "./harness.mjs";

/** T holds the English and German words the shared steps click. */
export const T = {
  en: { username: "Username", password: "Password", signIn: "Sign in", menu: /Profile menu/, logout: "Log out", signInTitle: "Sign in", network: /Whole network/ },
  de: { username: "Benutzername", password: "Passwort", signIn: "Anmelden", menu: /Profilmenü/, logout: "Abmelden", signInTitle: "Anmelden", network: /Gesamtes Netzwerk/ },
};

/** signIn fills the login form (the page must show it) and submits. */
export async function signIn(page, username, password, lang = "en") {
  const w = T[lang];
  await expectVisible(page.getByRole("heading", { level: 1, name: w.signInTitle }));
  await page.getByLabel(w.username, { exact: true }).fill(username);
  await page.getByLabel(w.password, { exact: true }).fill(password);
  await page.getByRole("button", { name: w.signIn, exact: true }).click();
}

/** signOut logs out through the profile menu and waits for the login screen. */
export async function signOut(page, lang = "en") {
  const w = T[lang];
  await page.getByRole("button", { name: w.menu }).click();
  await page.getByRole("menuitem", { name: w.logout }).click();
  await expectHash(page, /^#\/login/);
  await expectVisible(page.getByRole("heading", { level: 1, name: w.signInTitle }));
}

/** openMenuItem opens the profile menu and follows one of its items. */
export async function openMenuItem(page, name, lang = "en") {
  await page.getByRole("button", { name: T[lang].menu }).click();
  await page.getByRole("menuitem", { name }).click();
}

/** h1 is the screen's one heading. */
export function h1(page) {
  return page.getByRole("heading", { level: 1 });
}

/** signInToNetwork signs in from the login screen and opens the whole-network view. */
export async function signInToNetwork(page, username, password, lang = "en") {
  await signIn(page, username, password, lang);
  await expectHash(page, /^#\/views/);
  await page.getByRole("button", { name: T[lang].network }).click();
  await expectHash(page, /^#\/home/);
}

/** openAdmin opens the administration from the profile menu, then one of its tabs. */
export async function openAdmin(page, tab = "Users") {
  await openMenuItem(page, "Administration");
  await expectHash(page, /^#\/admin\/users/);
  if (tab !== "Users") {
    await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: tab }).click();
  }
  await expectVisible(page.getByRole("heading", { level: 1, name: tab }));
}
