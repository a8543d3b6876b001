import type { SeriesLabels } from "../types";
import type { VersionBehaviour } from "./behaviour";

/** A fault injected into the simulated fleet, active from `start` until `end` (ms epoch). */
export interface ChaosEffect {
  kind: "region_degradation" | "latency_injection";
  region: string;
  /** region_degradation: added 5xx share (0..1); latency_injection: added latency fraction */
  magnitude: number;
  start: number;
  end: number;
}

/** A version's behaviour in a series at `t`, with the chaos active there and then applied. */
export function withChaos(
  behaviour: VersionBehaviour,
  labels: SeriesLabels,
  effects: readonly ChaosEffect[],
  t: number,
): VersionBehaviour {
  let errorRate = behaviour.errorRate;
  let medianMs = behaviour.latency.medianMs;
  for (const e of effects) {
    if (e.region !== labels.region || t < e.start || t >= e.end) continue;
    if (e.kind === "region_degradation") errorRate += e.magnitude;
    else medianMs *= 1 + e.magnitude;
  }
  if (errorRate === behaviour.errorRate && medianMs === behaviour.latency.medianMs)
    return behaviour;
  return {
    ...behaviour,
    errorRate: Math.min(1, errorRate),
    latency: { ...behaviour.latency, medianMs },
  };
}
