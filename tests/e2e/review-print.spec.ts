import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./support/auth";

// The review prints on A4 with 12 mm margins (its @page rule): at 96 CSS px an inch, the
// printable area is 703 × 1031 px. Laid out at that width in print media, the page measures as
// the paper does.
const MM = 96 / 25.4;
const PRINTABLE = { width: Math.floor((210 - 24) * MM), height: Math.floor((297 - 24) * MM) };

/** Pages of a PDF: its page objects (`/Type /Page`), not the page tree nodes (`/Pages`). */
function pageCount(pdf: Buffer): number {
  return pdf.toString("latin1").match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
}

/**
 * The periods printed: the quarter before the one in progress ("2026-Q3" in December 2026: the
 * seeded history covers it whole), the quarter in progress (the seeded rollouts are recent), and
 * the last complete month.
 */
function periods(now = new Date()) {
  const q = Math.floor(now.getUTCMonth() / 3);
  const year = now.getUTCFullYear();
  const month = new Date(Date.UTC(year, now.getUTCMonth() - 1, 1));
  return {
    "last quarter": q === 0 ? `${year - 1}-Q4` : `${year}-Q${q}`,
    "current quarter": `${year}-Q${q + 1}`,
    "last month": `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, "0")}`,
  };
}

/**
 * Leaves one unacknowledged incident of each severity in the quarter in progress: every column
 * of the review's response table then carries its "N pending" note, its widest content, whatever
 * other journeys have left (a note too wide once pushed the printed table past the paper).
 */
async function declarePendingIncidents(page: Page) {
  await signIn(page, "engineer@flightdeck.demo");
  for (const severity of ["SEV1", "SEV2", "SEV3", "SEV4"]) {
    await page.goto("/incidents/new");
    await page
      .getByLabel("Title")
      .fill(`Review print, ${severity} (e2e ${Date.now().toString(36)})`);
    await page.getByLabel("Severity").selectOption(severity);
    await page.getByLabel("Summary").fill("Left unacknowledged by the review's print journey.");
    await page.getByLabel("Affected models").selectOption("ranker-xl");
    await page.getByRole("button", { name: "Declare incident" }).click();
    await expect(page).toHaveURL(/\/incidents\/\d+$/);
  }
  await page.context().clearCookies();
}

const print = (page: Page) => page.pdf({ format: "A4", printBackground: true });

/**
 * Prints the review three ways and compares page counts. The first page (header and summary)
 * ends with a forced page break, so it takes exactly one page if and only if the whole review
 * has one page more than the review without it; and the first page printed alone is one page.
 * This measures Chromium's own print layout, not an estimate of it.
 */
async function summaryPages(page: Page) {
  const all = pageCount(await print(page));
  const hide = (selector: string) =>
    page.addStyleTag({ content: `${selector} { display: none !important; }` });
  const restOnly = await hide('[data-testid="review-first-page"]');
  const rest = pageCount(await print(page));
  await restOnly.evaluate((el) => (el as Element).remove());
  // without what follows, the page break after the summary would add a blank page
  const summaryOnly = await page.addStyleTag({
    content:
      '[data-testid="review-details"] { display: none !important; } ' +
      '[data-testid="review-first-page"] { break-after: auto !important; }',
  });
  const alone = pageCount(await print(page));
  await summaryOnly.evaluate((el) => (el as Element).remove());
  return { all, rest, alone };
}

/**
 * What would make a printed table illegible, measured in print media at the paper's width: a
 * table wider than the page (print clips it), a cell whose content overflows it, and a word
 * broken across lines (a column narrower than its longest word). Also that rows never split
 * across pages and headers repeat on each.
 */
async function tableProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    // Anything wider than the paper makes Chromium shrink the whole page to fit.
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth + 1) {
      const wide = [...document.querySelectorAll("article *")].find(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1,
      );
      problems.push(`the page is ${page.scrollWidth} px wide: ${wide?.outerHTML.slice(0, 120)}`);
    }
    const name = (el: Element) =>
      `${el.closest("table")?.querySelector("caption")?.textContent?.slice(0, 50) ?? "table"}: "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const tables = [...document.querySelectorAll("article table")];
    for (const table of tables) {
      const box = table.parentElement!;
      if (box.scrollWidth > box.clientWidth + 1 || table.scrollWidth > box.clientWidth + 1) {
        problems.push(`${name(table)} is wider than the page (${table.scrollWidth} px)`);
      }
      const head = table.querySelector("thead");
      if (head && getComputedStyle(head).display !== "table-header-group") {
        problems.push(`${name(table)}: header does not repeat`);
      }
      for (const row of table.querySelectorAll("tr")) {
        if (getComputedStyle(row).breakInside !== "avoid") {
          problems.push(`${name(row)}: row may split across pages`);
        }
      }
      for (const cell of table.querySelectorAll("th, td")) {
        if (cell.scrollWidth > cell.clientWidth + 1) {
          problems.push(`${name(cell)} overflows its cell`);
        }
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? "";
          for (const m of text.matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.bottom)));
            if (lines.size > 1) problems.push(`${name(cell)}: "${m[0]}" is broken across lines`);
          }
        }
      }
    }
    if (tables.length === 0) problems.push("no tables");
    return problems;
  });
}

for (const [which, period] of Object.entries(periods())) {
  test(`a viewer prints the ${which}'s review: the summary on page one, legible tables after`, async ({
    page,
  }) => {
    if (which === "current quarter") await declarePendingIncidents(page);
    await signIn(page, "viewer@flightdeck.demo");
    await page.setViewportSize(PRINTABLE);
    await page.goto(`/slos/review?period=${period}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(
      period.includes("Q")
        ? `Reliability review: Q${period.slice(-1)} ${period.slice(0, 4)}`
        : `Reliability review: ${new Date(`${period}-01T00:00:00Z`).toLocaleString("en", { month: "long", year: "numeric", timeZone: "UTC" })}`,
    );

    // The charts load after the first paint, and a loaded chart is not as tall as its placeholder:
    // the page is measured once they are all drawn, as a reader prints it, not while its height
    // changes between one print and the next.
    await expect(page.getByRole("status", { name: "Loading chart" })).toHaveCount(0);
    await page.emulateMedia({ media: "print" });
    // The first page is a complete summary.
    const summary = page.getByRole("region", { name: "Executive summary" });
    await expect(summary.getByTestId("summary-slos")).toContainText(/\d+ of \d+/);
    await expect(summary.getByTestId("summary-incidents")).toBeVisible();
    await expect(summary.getByTestId("summary-response")).toContainText("MTTR");
    await expect(summary.getByTestId("summary-cfr")).toContainText("shipped");
    for (const team of ["Search & Ranking", "Trust & Safety", "Conversational AI"]) {
      await expect(summary.getByTestId("summary-teams")).toContainText(team);
    }
    const offenders = summary.getByTestId("worst-offenders").locator("tbody tr");
    expect(await offenders.count()).toBeGreaterThan(0);
    expect(await offenders.count()).toBeLessThanOrEqual(5);
    await expect(summary.getByTestId("summary-severity").locator("tbody tr")).toHaveCount(6);
    await expect(summary.getByTestId("summary-delivery").locator("tbody tr")).toHaveCount(5);
    const chart = summary.getByRole("img", { name: /Share of each team's SLOs that met/ });
    for (const team of ["Search & Ranking", "Trust & Safety", "Conversational AI"]) {
      await expect(chart).toHaveAttribute("aria-label", new RegExp(`${team}: \\w+ \\d{4} `));
    }
    // Per-team delivery figures follow.
    await expect(page.getByTestId("delivery-by-team").locator("tbody tr")).toHaveCount(3);

    if (which === "current quarter") {
      // every severity's acknowledge and resolve totals say what is still pending
      const totals = (await page.getByTestId("response-total").allInnerTexts()).join(" ");
      expect(totals.match(/\d+ pending/g)?.length ?? 0).toBeGreaterThanOrEqual(8);
    }

    const first = await page.getByTestId("review-first-page").boundingBox();
    const { all, rest, alone } = await summaryPages(page);
    expect(
      { alone, extra: all - rest },
      `summary ${Math.round(first?.height ?? 0)} px tall, ${PRINTABLE.height} px on a page`,
    ).toEqual({ alone: 1, extra: 1 });
    expect(rest).toBeGreaterThanOrEqual(1);

    expect(await tableProblems(page)).toEqual([]);
  });
}
