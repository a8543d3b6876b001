import { expect, type Page } from "@playwright/test";

/**
 * The first link on a list page whose address matches `pattern`: a page of each kind with an id,
 * taken from its list (polled: a list's table may stream in after the page's first bytes).
 */
export async function firstLink(page: Page, list: string, pattern: RegExp): Promise<string> {
  await page.goto(list);
  let href: string | undefined;
  await expect
    .poll(
      async () => {
        const hrefs = await page
          .getByRole("main")
          .locator("a[href]")
          .evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
        href = hrefs.find((h) => pattern.test(h));
        return href;
      },
      { message: `a link matching ${String(pattern)} on ${list}`, timeout: 15_000 },
    )
    .toBeTruthy();
  return href as string;
}
