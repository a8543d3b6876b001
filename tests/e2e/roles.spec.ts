import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, signIn } from "./support/auth";

const SECTIONS = [
  "/",
  "/clusters",
  "/models",
  "/rollouts",
  "/slos",
  "/incidents",
  "/training",
  "/audit",
];
/** Buttons that change nothing: the theme switch, signing out, filtering lists, the palette. */
const READ_ONLY_BUTTONS = [
  /^Switch to (light|dark) theme$/,
  /^Sign out$/,
  /^Filter$/,
  /^Search or jump to…/,
];

async function mutatingButtons(page: Page): Promise<string[]> {
  const names: string[] = [];
  for (const b of await page.getByRole("button").all()) {
    const name = ((await b.getAttribute("aria-label")) ?? (await b.innerText())).trim();
    if (!READ_ONLY_BUTTONS.some((r) => r.test(name))) names.push(name);
  }
  return names;
}

for (const [email, label, admin] of [
  ["viewer@flightdeck.demo", "Viewer", false],
  ["engineer@flightdeck.demo", "Engineer", false],
  ["release@flightdeck.demo", "Release manager", false],
  ["admin@flightdeck.demo", "Admin", true],
] as const) {
  test(`${label} sees only the controls the role may use`, async ({ page }) => {
    await signIn(page, email);
    await expect(page.getByTestId("current-role")).toHaveText(label);
    const adminLinks = page.getByRole("link", { name: "Users", exact: true });
    if (admin) {
      await expect(adminLinks.first()).toBeVisible();
    } else {
      await expect(adminLinks).toHaveCount(0);
      for (const path of SECTIONS) {
        await page.goto(path);
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        expect(await mutatingButtons(page), `mutating buttons on ${path}`).toEqual([]);
      }
      await page.goto("/admin/users");
      await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Create user" })).toHaveCount(0);
      await page.goto("/admin/tokens");
      await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    }
  });
}

test("an admin creates a user; removing the user's role locks them out on their next request", async ({
  page,
  browser,
}) => {
  const email = `oncall-${Date.now()}@example.com`;
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/admin/users");
  const form = page.getByRole("form", { name: "Create user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Name").fill("New Oncall");
  await form.getByLabel("Role").selectOption("engineer");
  await form.getByLabel("Team").selectOption({ label: "Search & Ranking" });
  await form.getByLabel("Initial password").fill("a-long-enough-password");
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByRole("status")).toHaveText(`Created ${email}.`);
  await expect(page.locator(`[data-email="${email}"]`)).toContainText("Engineer");

  const other = await browser.newContext();
  const userPage = await other.newPage();
  await signIn(userPage, email, "a-long-enough-password");
  await expect(userPage.getByTestId("current-role")).toHaveText("Engineer");

  const row = page.locator(`[data-email="${email}"]`);
  await row.getByLabel(`Role for ${email}`).selectOption("none");
  await row.getByRole("button", { name: "Save" }).click();
  await expect(row.getByRole("status")).toHaveText("Saved.");

  await userPage.goto("/clusters");
  await expect(userPage).toHaveURL(/\/no-access/);
  await expect(userPage.getByRole("heading", { name: "No role assigned" })).toBeVisible();
  await other.close();

  // Both the change and the sign-ins are in the audit log, filterable by URL.
  await page.goto(`/audit?action=user.&target=user`);
  await expect(page.getByTestId("audit-row").first()).toContainText("user.update");
  await expect(page.getByLabel("Action")).toHaveValue("user.");
});

test("an admin creates an API token, sees it once, automation uses it, and revocation stops it", async ({
  page,
  request,
}) => {
  const name = `ci-e2e-${Date.now()}`;
  await signIn(page, "admin@flightdeck.demo");
  await page.goto("/admin/tokens");
  const form = page.getByRole("form", { name: "Create API token" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Team").selectOption({ label: "Search & Ranking" });
  await form.getByLabel("model.register").check();
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("new-token-secret").innerText()).trim();
  expect(secret).toMatch(/^fdk_/);

  const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({
    kind: "token",
    scopes: ["fleet.read", "model.register"],
  });

  await page.reload();
  await expect(page.getByTestId("new-token-secret")).toHaveCount(0);
  const row = page.locator(`[data-name="${name}"]`);
  await expect(row).not.toContainText(secret);
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  const after = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
});

test("the audit log exports the filtered rows as CSV", async ({ page }) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/audit?action=fleet.seed");
  await expect(page.getByTestId("audit-row")).toHaveCount(1);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^flightdeck-audit-.*\.csv$/);
  const text = await (await file.createReadStream()).toArray();
  const csv = Buffer.concat(text).toString("utf8").trim().split("\n");
  // A viewer's export names actors; emails and client addresses are for admins.
  expect(csv[0]).toBe(
    "at (UTC+00:00),actor,actorRole,action,targetType,targetId,outcome,reason,requestId,before,after",
  );
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain("fleet.seed");
});

test("an invalid audit filter is explained, not fatal", async ({ page }) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/audit?from=2026-02-01T00:00&to=2026-01-01T00:00");
  await expect(page.locator("main [role=alert]")).toContainText("must be before its end");
});

test("repeated wrong passwords are throttled with a clear message", async ({ page }) => {
  const email = `throttle-${Date.now()}@flightdeck.demo`;
  await page.goto("/sign-in");
  for (let i = 0; i < 5; i++) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`wrong-${i}`);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    // React resets the form when the action completes: wait for that before typing again.
    await expect(page.getByLabel("Password")).toHaveValue("");
    await expect(page.locator("form [role=alert]")).toContainText("Email or password is incorrect");
  }
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("form [role=alert]")).toContainText(
    "Too many failed sign-ins for this account",
  );
});

test("a foreign origin cannot post to the API", async ({ request }) => {
  const res = await request.post("/api/v1/models/ranker-xl/versions", {
    headers: { origin: "https://evil.example", "content-type": "application/json" },
    data: {},
  });
  expect(res.status()).toBe(403);
  const noOrigin = await request.post("/api/auth/signout", {
    headers: { origin: "https://evil.example" },
  });
  expect(noOrigin.status()).toBe(403);
});
