import { dialOf, routeTraffic } from "@/lib/domain/traffic/routing";
import { regionRps } from "./behaviour";

/**
 * The simulated global load balancer: per model, each region's traffic dial for production
 * traffic (the percent of its own users' traffic a region keeps; the rest spills to the other
 * regions, lib/domain/traffic/routing). Changes are kept with the wall time they took effect,
 * so metrics of any moment route traffic as the balancer did then.
 */
export interface DialChange {
  /** wall time (ms epoch) from which these dials applied */
  at: number;
  dials: Record<string, number>;
}

export interface SimTraffic {
  model: string;
  resourceVersion: number;
  /** oldest first; the last entry is in force. Before the first, every region keeps 100. */
  history: DialChange[];
}

/**
 * Dial changes kept per model; older ones are dropped, so a moment before the oldest kept
 * routes as if every region kept its own traffic (50 changes outlast any metrics window).
 */
const KEEP_CHANGES = 50;

/** The dials in force at wall time `t`. */
export function dialsAt(history: readonly DialChange[], t: number): Record<string, number> {
  let dials: Record<string, number> = {};
  for (const c of history) {
    if (c.at > t) break;
    dials = c.dials;
  }
  return dials;
}

/** Whether some region of the model does not keep all of its own traffic, at any time kept. */
export function isRouted(history: readonly DialChange[] | undefined): boolean {
  return (history ?? []).some((c) => Object.values(c.dials).some((d) => d < 100));
}

/** Adds a change, keeping the list bounded. */
export function withChange(history: readonly DialChange[], change: DialChange): DialChange[] {
  const next = [...history.filter((c) => c.at < change.at), change];
  return next.length > KEEP_CHANGES ? next.slice(-KEEP_CHANGES) : next;
}

/** What arrives from each region's users at `t` (requests per second). */
export function demandAt(model: string, regions: readonly string[], t: number) {
  const demand: Record<string, number> = {};
  for (const r of regions) demand[r] = regionRps(model, r, t);
  return demand;
}

/**
 * Requests per second a region serves for a model at wall time `t`, production traffic: its
 * own users' traffic as routed by the balancer between the model's production regions.
 */
export function servedRps(
  model: string,
  region: string,
  routing: { regions: readonly string[]; history: readonly DialChange[] } | undefined,
  t: number,
): number {
  if (!routing || routing.history.length === 0) return regionRps(model, region, t);
  const dials = dialsAt(routing.history, t);
  if (Object.keys(dials).length === 0 || routing.regions.every((r) => dialOf(dials, r) === 100)) {
    return regionRps(model, region, t);
  }
  return routeTraffic(demandAt(model, routing.regions, t), dials).served[region] ?? 0;
}
