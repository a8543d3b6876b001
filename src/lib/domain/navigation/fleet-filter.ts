/** The fleet filter's query parameters: the region and environment a person narrowed to. */
export const FLEET_FILTER_KEYS = ["region", "env"] as const;

/**
 * The fleet filter of the current address as a query string for another section's link
 * ("?region=us-east-1&env=production"), or "" when none is set, so the filter follows the
 * person from section to section (the sidebar's links, the `g` shortcuts).
 */
export function fleetFilterQuery(params: Pick<URLSearchParams, "get">): string {
  const keep = new URLSearchParams();
  for (const key of FLEET_FILTER_KEYS) {
    const value = params.get(key);
    if (value) keep.set(key, value);
  }
  const query = keep.toString();
  return query ? `?${query}` : "";
}
