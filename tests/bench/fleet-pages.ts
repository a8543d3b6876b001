// The pages a person opens on a running Flightdeck, as the load script and the page benchmark
// request them: the sections, and the first detail page each list links to.

export interface FleetPage {
  name: string;
  path: string;
}

/** The first link the list page `list` shows that matches `pattern`. */
async function firstLink(url: string, cookie: string, list: string, pattern: RegExp) {
  const res = await fetch(`${url}${list}`, { headers: { cookie } });
  const html = await res.text();
  const found = pattern.exec(html)?.[0];
  if (!found) throw new Error(`${list} links to no page matching ${pattern}`);
  return found.replaceAll("&amp;", "&");
}

/** This quarter, as the review's `period` parameter spells it (`2026-Q4`). */
export function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

/**
 * Overview (with the on-call board), Clusters, a cluster, Models, a model, Rollouts, a rollout,
 * SLOs, an SLO, the quarter's review, Incidents, an incident, Training and Audit.
 */
export async function fleetPages(url: string, cookie: string): Promise<FleetPage[]> {
  const link = (list: string, pattern: RegExp) => firstLink(url, cookie, list, pattern);
  return [
    { name: "Overview", path: "/" },
    { name: "Clusters", path: "/clusters" },
    { name: "a cluster", path: await link("/clusters", /\/clusters\/[a-z0-9-]+(?=")/) },
    { name: "Models", path: "/models" },
    { name: "a model", path: await link("/models", /\/models\/[a-z0-9-]+(?=")/) },
    { name: "Rollouts", path: "/rollouts" },
    { name: "a rollout", path: await link("/rollouts", /\/rollouts\/(?!new")[a-z0-9]+(?=")/) },
    { name: "SLOs", path: "/slos" },
    {
      name: "an SLO",
      path: await link("/slos", /\/slos\/(?!review|new|import)[a-z0-9-]+(?=")/),
    },
    { name: "quarter review", path: `/slos/review?period=${currentQuarter()}` },
    { name: "Incidents", path: "/incidents" },
    { name: "an incident", path: await link("/incidents", /\/incidents\/\d+(?=")/) },
    { name: "Training", path: "/training" },
    { name: "Audit", path: "/audit" },
  ];
}
