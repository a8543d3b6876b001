import type { SeriesLabels } from "../types";
import type { VersionBehaviour } from "./behaviour";

/** A fault injected into the simulated fleet, active from `start` until `end` (ms epoch). */
export interface ChaosEffect {
  kind:
    "region_degradation" | "latency_injection" | "node_failure" | "gpu_failure" | "region_outage";
  region: string;
  /**
   * region_degradation: added 5xx share (0..1); latency_injection: added latency fraction;
   * node_failure: share of the region's GPU nodes that go NotReady (0..1);
   * gpu_failure: share of the region's GPUs that fail with an Xid error (0..1);
   * region_outage: share of the requests the region serves that fail (1: the region is down,
   * whatever its replicas: its network or load balancer is gone). Only moving its traffic away
   * (a failover at the global load balancer) brings those requests back.
   */
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
    if (e.kind === "region_degradation" || e.kind === "region_outage") errorRate += e.magnitude;
    else if (e.kind === "latency_injection") medianMs *= 1 + e.magnitude;
  }
  if (errorRate === behaviour.errorRate && medianMs === behaviour.latency.medianMs)
    return behaviour;
  return {
    ...behaviour,
    errorRate: Math.min(1, errorRate),
    latency: { ...behaviour.latency, medianMs },
  };
}

/** Whether an effect of one of `kinds` is active in `region` at wall time `t`. */
export function activeEffects(
  effects: readonly ChaosEffect[],
  kind: ChaosEffect["kind"],
  region: string,
  t: number,
): ChaosEffect[] {
  return effects.filter((e) => e.kind === kind && e.region === region && t >= e.start && t < e.end);
}
