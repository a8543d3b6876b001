import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("the incidents page shows response times; period, grouping and team live in the URL", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/incidents");
  const section = page.getByRole("region", { name: "Response times" });
  await expect(section.getByTestId("response-headline")).toContainText("MTTA (mean)");
  await expect(
    section.getByRole("img", { name: /Mean time to acknowledge per week/ }),
  ).toBeVisible();
  const table = section.getByTestId("response-table");
  const rows = table.getByTestId("response-row");
  await expect(rows).toHaveCount(12);
  await expect(rows.first()).toHaveAttribute("data-period", /^\d{4}-W\d{2}$/);
  await expect(table.locator("thead")).toContainText("SEV1");
  await expect(section.getByRole("link", { name: "By severity" })).toHaveAttribute(
    "aria-current",
    "true",
  );

  await section.getByRole("link", { name: "Monthly" }).click();
  await expect(page).toHaveURL(/[?&]period=month(&|$)/);
  await expect(rows).toHaveCount(6);
  await expect(rows.first()).toHaveAttribute("data-period", /^\d{4}-\d{2}$/);

  await section.getByRole("link", { name: "By team" }).click();
  await expect(page).toHaveURL(/period=month/);
  await expect(page).toHaveURL(/by=team/);
  await expect(table.locator("thead")).toContainText("Search & Ranking");
  await expect(table.locator("thead")).toContainText("Trust & Safety");

  await section.getByLabel("Team", { exact: true }).selectOption({ label: "Conversational AI" });
  await section.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/team=assistant/);
  await expect(page).toHaveURL(/by=team/);
  await expect(section).toContainText("last 6 months, Conversational AI");
  await expect(table.locator("thead")).toContainText("Conversational AI");
  await expect(table.locator("thead")).not.toContainText("Search & Ranking");

  // The list below still pages, and its links keep the choices.
  await expect(page.getByTestId("incident-row")).toHaveCount(20);
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page).toHaveURL(/team=assistant/);
  await expect(page.getByTestId("page-summary")).toContainText("21–");
  await expect(section.getByLabel("Team", { exact: true })).toHaveValue("assistant");

  // A shared link opens the same view.
  await page.goto("/incidents?period=week&by=team&team=ranking");
  await expect(section).toContainText("last 12 weeks, Search & Ranking");
  await expect(rows).toHaveCount(12);
  await expect(section.getByRole("link", { name: "Weekly" })).toHaveAttribute(
    "aria-current",
    "true",
  );
});

test("the leadership review shows incident response by severity and team, in JSON too", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/slos/review");
  const section = page.getByRole("region", { name: "Incident response" });
  await expect(section.getByTestId("response-headline")).toContainText("MTTR (median)");
  const severity = section.locator('[data-testid="response-breakdown"][data-grouping="severity"]');
  const team = section.locator('[data-testid="response-breakdown"][data-grouping="team"]');
  // a month goes by week
  await expect(severity.getByTestId("response-row").first()).toHaveAttribute(
    "data-period",
    /^\d{4}-W\d{2}$/,
  );
  await expect(team.getByTestId("response-table").locator("thead")).toContainText(
    "Search & Ranking",
  );

  // a quarter goes by month
  const period = page.getByLabel("Period", { exact: true });
  const quarter = await period.locator("option", { hasText: /^Q\d/ }).nth(1).getAttribute("value");
  await period.selectOption(quarter ?? "");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`period=${quarter}`));
  await expect(severity.getByTestId("response-row")).toHaveCount(3);
  await expect(severity.getByTestId("response-row").first()).toHaveAttribute(
    "data-period",
    /^\d{4}-\d{2}$/,
  );

  const res = await page.request.get(`/api/v1/slos/review?period=${quarter}`);
  const json = (await res.json()) as {
    incidentResponse: { unit: string; incidents: number; mttr: { total: { count: number } } };
  };
  expect(json.incidentResponse.unit).toBe("month");
  expect(json.incidentResponse.mttr.total.count).toBeGreaterThan(0);

  await page.emulateMedia({ media: "print" });
  await expect(section).toBeVisible();
  await expect(team.getByTestId("response-table")).toBeVisible();
});

test("the response-time chart's placeholder is as tall as the chart it stands for, wide and narrow", async ({
  page,
  browser,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  // Without the app's scripts (its styles load, and its inline scripts still reveal what streams in) the
  // chart never loads: its placeholder stays, as the server drew it.
  const noScript = await browser.newContext({ storageState: await page.context().storageState() });
  const still = await noScript.newPage();
  await still.route(/\/_next\/static\/chunks\/.*\.js(\?|$)/, (route) => route.abort());
  try {
    for (const width of [1280, 700]) {
      await page.setViewportSize({ width, height: 900 });
      await still.setViewportSize({ width, height: 900 });
      await page.goto("/incidents");
      await still.goto("/incidents");
      const section = page.getByRole("region", { name: "Response times" });
      const figure = section.locator("figure").first();
      await expect(section.getByRole("status", { name: "Loading chart" })).toHaveCount(0);
      const drawn = (await figure.boundingBox())?.height ?? 0;
      const placeholder = still
        .getByRole("region", { name: "Response times" })
        .getByRole("status", { name: "Loading chart" })
        .first();
      await expect(placeholder).toBeVisible();
      const waiting = (await placeholder.boundingBox())?.height ?? 0;
      // the page does not jump when the chart arrives
      expect(
        Math.abs(drawn - waiting),
        `${width} px wide: ${waiting} px for ${drawn}`,
      ).toBeLessThan(32);
    }
  } finally {
    await noScript.close();
  }
});
