/**
 * The object a dashboard page shows, read from its path, so that a page for an object that
 * does not exist can answer 404 before the response starts streaming (see
 * app/(dashboard)/template.tsx). Mirrors the dynamic routes under app/(dashboard); a unit test
 * checks the two agree.
 */

/** The request header the proxy fills with the path (any value a client sends is replaced). */
export const PATHNAME_HEADER = "x-flightdeck-pathname";

export type PageObject =
  | { kind: "cluster"; name: string }
  /** the incident's page and its postmortem; the number as written, for the page's own parser */
  | { kind: "incident"; number: string }
  /** the model's page and its comparison */
  | { kind: "model"; name: string }
  | { kind: "model_version"; model: string; version: string }
  | { kind: "promotion"; number: string }
  | { kind: "rollout"; id: string }
  /** the SLO's page and its editor */
  | { kind: "slo"; name: string }
  /** a region drain or failover */
  | { kind: "region_drain"; id: string };

/** Static pages beside a dynamic segment: `/incidents/new` is a page, not incident "new". */
export const STATIC_SIBLINGS: Readonly<Record<string, readonly string[]>> = {
  clusters: [],
  incidents: ["new"],
  models: [],
  promotions: ["new", "policy"],
  rollouts: ["new"],
  slos: ["import", "new", "review"],
};

export function pageObjectOf(pathname: string): PageObject | null {
  let parts: string[];
  try {
    parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null; // a malformed escape: no page of ours
  }
  const [section, key, sub, subKey, ...rest] = parts;
  if (!section || !key || rest.length > 0) return null;
  // own keys only: a path such as /constructor/x names no section
  if (Object.hasOwn(STATIC_SIBLINGS, section) && STATIC_SIBLINGS[section]?.includes(key)) {
    return null;
  }
  const only = (...subs: (string | undefined)[]) => subs.includes(sub) && subKey === undefined;
  switch (section) {
    case "clusters":
      return only(undefined) ? { kind: "cluster", name: key } : null;
    case "incidents":
      return only(undefined, "postmortem") ? { kind: "incident", number: key } : null;
    case "models":
      if (sub === "versions" && subKey)
        return { kind: "model_version", model: key, version: subKey };
      return only(undefined, "compare") ? { kind: "model", name: key } : null;
    case "promotions":
      return only(undefined) ? { kind: "promotion", number: key } : null;
    case "rollouts":
      return only(undefined) ? { kind: "rollout", id: key } : null;
    case "slos":
      return only(undefined, "edit") ? { kind: "slo", name: key } : null;
    case "regions":
      return key === "drains" && sub !== undefined && subKey === undefined
        ? { kind: "region_drain", id: sub }
        : null;
    default:
      return null;
  }
}
