// Views: a single-facility operator lands in its facility; a network user
// chooses the network, then switches to a facility from the top bar.
import { e2e, expectHash, expectText, expectVisible } from "../lib/harness.mjs";
import { h1, signIn } from "../lib/flows.mjs";

const PASSWORD = "quartz willow harbor 3318";

e2e("a single-facility operator lands in its facility view", async ({ page, open, admin, snap }) => {
  const a = await admin();
  await a.createFacility("Leipzig Nord");
  const berlin = await a.createFacility("Berlin Mitte");
  await a.createActiveUser({ username: "olaf", displayName: "Olaf Kern", password: PASSWORD, facilityIds: [berlin.id] });

  await open("/login");
  await signIn(page, "olaf", PASSWORD);
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Berlin Mitte");
  await expectText(page.getByTestId("current-view"), "Berlin Mitte");
  await expectVisible(page.getByText("Facility view", { exact: true }));
  await snap("home-facility");
});

e2e("a network user chooses the network, then switches to a facility", async ({ page, open, admin, snap }) => {
  const a = await admin();
  const munich = await a.createFacility("München Ost");
  const bremen = await a.createFacility("Bremen Hafen");
  await a.createActiveUser({ username: "nora", displayName: "Nora Weiss", password: PASSWORD, networkAccess: true,
    facilityIds: [munich.id, bremen.id] });

  await open("/login");
  await signIn(page, "nora", PASSWORD);
  await expectHash(page, /^#\/views/);
  await expectVisible(page.getByRole("button", { name: /München Ost/ }));
  await expectVisible(page.getByRole("button", { name: /Bremen Hafen/ }));
  await page.getByRole("button", { name: /Whole network/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "Whole network");
  await expectText(page.getByTestId("current-view"), "Whole network");

  // The switcher in the top bar.
  await page.getByRole("banner").getByRole("link", { name: "Switch view" }).click();
  await expectHash(page, /^#\/views/);
  await expectVisible(page.getByRole("button", { name: /Whole network.*Current view/ }));
  await snap("views-switch");
  await page.getByRole("button", { name: /München Ost/ }).click();
  await expectHash(page, /^#\/home/);
  await expectText(h1(page), "München Ost");
  await expectText(page.getByTestId("current-view"), "München Ost");
});
