import { expect, test } from "@playwright/test";
import { signIn } from "./support/auth";

test("a planner sees the fleet's GPUs split, and asks where the ranking team can get 16 H100s", async ({
  page,
}) => {
  await signIn(page, "viewer@flightdeck.demo");
  await page.goto("/");
  await page.getByRole("navigation").getByRole("link", { name: "Capacity" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Capacity" })).toBeVisible();

  // the split now, by type, with its figures in words
  const fleetBar = page.getByRole("img", { name: /^All GPUs: \d[\d,]* GPUs: / });
  await expect(fleetBar).toHaveAttribute(
    "aria-label",
    /serving .* training .* idle .* unavailable/,
  );
  const byType = page.getByTestId("by-type");
  await expect(byType.locator("tr[data-key='H100']")).toBeVisible();
  await expect(byType.locator("tr[data-key='L4']")).toBeVisible();
  await expect(page.getByTestId("capacity-history")).toBeVisible();
  await expect(page.getByTestId("teams").locator("tr[data-team='ranking']")).toBeVisible();

  // the question, asked through the form: its answer is a link
  const form = page.getByRole("form", { name: "Where can I place GPUs" });
  await form.getByLabel("GPUs").fill("16");
  await form.getByLabel("GPU type").selectOption("H100");
  await form.getByLabel("For team").selectOption("ranking");
  await form.getByRole("button", { name: "Find room" }).click();
  await expect(page).toHaveURL(/gpus=16&gpuType=H100&team=ranking/);
  await expect(page.getByTestId("placement-summary")).toHaveText(/16 H100 GPUs for ranking/);
  const pools = page.getByTestId("placement-pool");
  expect(await pools.count()).toBeGreaterThan(0);
  const fits = pools.filter({ has: page.getByText("Fits", { exact: true }) });
  expect(await fits.count()).toBeGreaterThan(0);
  await expect(fits.first()).toContainText(/Fits on .+, .+ within ranking-\w+'s quota/);
  for (const verdict of await pools.evaluateAll((els) =>
    els.map((e) => e.getAttribute("data-verdict")),
  )) {
    expect(["fits", "quota", "fragmented", "scale-up", "short", "too-large"]).toContain(verdict);
  }

  // the same link opens the same answer; a gang of 0 is refused with a reason
  await page.goto("/capacity?gpus=0&gpuType=H100");
  await expect(
    page.getByRole("form", { name: "Where can I place GPUs" }).getByRole("alert"),
  ).toHaveText("Ask for at least 1 GPU.");

  // filters live in the URL
  await page.goto("/capacity?type=A100");
  await expect(page.getByTestId("by-type").locator("tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("by-type").locator("tr[data-key='A100']")).toBeVisible();
});
