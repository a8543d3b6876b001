// A first production-shaped install: the same checkout started against an empty PostgreSQL
// (DATABASE_URL set, no demo flag), its first admin made on the command line, and client
// addresses that a client cannot forge.
import { expect, test } from "@playwright/test";
import { startAnotherApp, type AnotherApp } from "./support/another-app";

const port = Number(process.env.E2E_PORT ?? 3100) + 2;
const base = `http://localhost:${port}`;
const PASSWORD = "correct horse battery staple";

let app: AnotherApp;
const sql = <T>(text: string, values: unknown[] = []) => app.sql<T>(text, values);

test.beforeAll(async () => {
  test.setTimeout(5 * 60_000);
  app = await startAnotherApp(port, {});
});

test.afterAll(async () => {
  await app?.stop();
});

test("an install on an empty PostgreSQL has no demo, and its first admin is made on the command line", async ({
  page,
}) => {
  expect(app.output()).toContain("Demo mode is off because DATABASE_URL is set");
  expect((await sql<{ n: number }>('SELECT count(*)::int AS n FROM "Region"'))[0]?.n).toBe(0);

  await page.goto(`${base}/sign-in`);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await expect(page.getByText("admin@flightdeck.demo")).toHaveCount(0);
  await expect(page.getByTestId("demo-banner")).toHaveCount(0);

  const create = app.createAdmin("first@example.com", PASSWORD);
  expect(create.stderr).toBe("");
  expect(create.stdout).toContain("Created admin first@example.com");

  await page.getByLabel("Email").fill("first@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-role")).toHaveText("Admin");
  await expect(page.getByTestId("stat-clusters")).toHaveText("0");
});

test("client addresses come from the connection, not from headers a client writes", async ({
  page,
}) => {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = (csrf.headers.getSetCookie() ?? []).map((c) => c.split(";")[0]).join("; ");
  // Five wrong passwords, each claiming another address in every header a proxy might set.
  for (let i = 1; i <= 5; i++) {
    const forged = `198.51.100.${i}`;
    const res = await fetch(`${base}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: {
        origin: base,
        cookie,
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": forged,
        "x-real-ip": forged,
        "x-flightdeck-client-address": forged,
      },
      body: new URLSearchParams({ csrfToken, email: "first@example.com", password: `no-${i}` }),
    });
    expect(res.status).toBe(302);
  }
  const rows = await sql<{ clientIp: string | null }>(
    `SELECT "clientIp" FROM "AuditEvent" WHERE action = 'auth.sign_in' AND reason = 'wrong password' AND "actorEmail" = $1`,
    ["first@example.com"],
  );
  expect(rows.map((r) => r.clientIp)).toEqual(Array(5).fill("127.0.0.1"));

  // So the throttle counted them against this machine: the right password from here waits.
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill("first@example.com");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("form [role=alert]")).toContainText(
    "Too many failed sign-ins for this account from your network address",
  );
});
