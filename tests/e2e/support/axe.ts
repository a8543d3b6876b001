import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/** WCAG 2.1 A and AA. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * axe-core on the page as it shows now: its serious and critical violations, as lines; minor
 * and moderate findings are printed, not returned.
 */
export async function audit(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const problems: string[] = [];
  for (const v of result.violations) {
    const where = v.nodes
      .slice(0, 3)
      .map((n) => n.target.join(" "))
      .join(" | ");
    const line = `${label}: [${v.impact}] ${v.id} (${v.nodes.length}×) ${v.help} at ${where}`;
    if (v.impact === "serious" || v.impact === "critical") problems.push(line);
    else console.log(line);
  }
  return problems;
}
