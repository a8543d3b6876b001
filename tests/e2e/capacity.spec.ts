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

  // fragmentation: the demo's serving pools strand free GPUs on partly used nodes; each row's
  // figures agree (stranded GPUs are some of the free ones, and their share is stranded ÷ free)
  const fragmentation = page.getByRole("region", { name: "Fragmentation" });
  await expect(fragmentation.getByRole("heading", { name: "Fragmentation" })).toBeVisible();
  const fragmented = fragmentation.getByTestId("fragmentation").locator("tbody tr");
  expect(await fragmented.count()).toBeGreaterThan(0);
  for (const cells of await fragmented.evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent ?? "")),
  )) {
    const figure = (i: number) => Number((cells[i] ?? "").replace(/[^\d]/g, ""));
    const [free, stranded, share] = [figure(1), figure(3), figure(5)];
    expect(stranded).toBeGreaterThan(0);
    expect(stranded).toBeLessThanOrEqual(free);
    expect(share).toBe(Math.round((stranded / free) * 100));
  }

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

  // one cluster: its GPUs now and its own 30 days
  await page.goto("/capacity");
  const cluster = await page
    .getByTestId("by-cluster")
    .locator("tbody tr")
    .first()
    .getAttribute("data-key");
  expect(cluster).toBeTruthy();
  const filters = page.getByRole("form", { name: "Filter capacity" });
  await filters.getByLabel("Cluster", { exact: true }).selectOption(cluster!);
  await filters.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]cluster=${cluster}(&|$)`));
  await expect(page.getByTestId("by-cluster").locator("tbody tr")).toHaveCount(1);
  await expect(
    page.getByRole("heading", { level: 2, name: `Last 30 days: on ${cluster}` }),
  ).toBeVisible();
  await expect(page.getByTestId("capacity-history")).toBeVisible();
});
