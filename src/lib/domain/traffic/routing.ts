/**
 * How a global load balancer routes a model's production traffic between regions, given each
 * region's traffic dial: the percent of its own users' traffic a region keeps (100 serves them
 * all, 0 drains it), as AWS Global Accelerator's traffic dial or a GCP backend's capacity
 * scaler. What a region does not keep spills to the other regions that still take traffic, in
 * proportion to the traffic each of them keeps: a larger region absorbs more.
 *
 * Flightdeck's simulated balancer routes exactly so, and drain plans predict with the same rule
 * for real balancers (docs/architecture.md, "Regions and traffic").
 */

/** Percent of a region's own traffic it keeps; regions absent from the dials keep all of it. */
export function dialOf(dials: Readonly<Record<string, number>>, region: string): number {
  const d = dials[region];
  return d === undefined || !Number.isFinite(d) ? 100 : Math.min(100, Math.max(0, d));
}

export interface Routing {
  /** requests per second each region serves */
  served: Record<string, number>;
  /** traffic no region takes (every region drained): it fails at the balancer */
  unserved: number;
}

/**
 * Requests per second each region serves, from the traffic that arrives from each region's
 * users (`demand`, requests per second) and the dials.
 */
export function routeTraffic(
  demand: Readonly<Record<string, number>>,
  dials: Readonly<Record<string, number>>,
): Routing {
  const regions = Object.keys(demand);
  const kept: Record<string, number> = {};
  const spills: Record<string, number> = {};
  let keptTotal = 0;
  for (const r of regions) {
    const d = Math.max(0, demand[r] ?? 0);
    const dial = dialOf(dials, r);
    // Full and drained regions are exact: d × 100 / 100 can round below d, and that crumb of
    // spill once counted as unserved and made a drain plan impossible.
    const k = dial >= 100 ? d : dial <= 0 ? 0 : (d * dial) / 100;
    kept[r] = k;
    spills[r] = d - k;
    keptTotal += k;
  }
  const served: Record<string, number> = { ...kept };
  let unserved = 0;
  for (const r of regions) {
    const spill = spills[r] ?? 0;
    if (spill <= 0) continue;
    // A region's spill goes to the other regions, never back to itself: a dial of 75 moves
    // exactly a quarter of its users away.
    const others = regions.filter((s) => s !== r);
    const othersKept = keptTotal - (kept[r] ?? 0);
    if (othersKept > 0) {
      for (const s of others) served[s] = (served[s] ?? 0) + (spill * (kept[s] ?? 0)) / othersKept;
      continue;
    }
    // No other region keeps traffic: open but idle regions share it, else it fails.
    const open = others.filter((s) => dialOf(dials, s) > 0);
    if (open.length === 0) {
      unserved += spill;
      continue;
    }
    for (const s of open) served[s] = (served[s] ?? 0) + spill / open.length;
  }
  return { served, unserved };
}

/** Each region's share of the model's global traffic (0..1), as served. */
export function globalShares(routing: Routing): Record<string, number> {
  const total = Object.values(routing.served).reduce((s, v) => s + v, 0) + routing.unserved;
  const out: Record<string, number> = {};
  for (const [r, v] of Object.entries(routing.served)) out[r] = total > 0 ? v / total : 0;
  return out;
}
