import { clock } from "@/lib/clock";
import {
  assertSelector,
  type AdapterHealth,
  type InstantSample,
  type MetricName,
  type MetricsSource,
  type RangeWindow,
  type Selector,
  type Series,
  type SeriesLabels,
  type ServingDeployment,
  type SliCounts,
} from "../types";
import {
  dataAgeSeconds,
  noise,
  regionRps,
  versionBehaviour,
  type VersionBehaviour,
} from "./behaviour";
import { Z, quantileMs, shareBelow } from "./math";
import { withChaos, type ChaosEffect } from "./chaos";
import { servedRps, type DialChange } from "./traffic";

/** Staging receives a trickle of mirrored and synthetic traffic. */
export const STAGING_TRAFFIC_SHARE = 0.03;
const MINUTE = 60_000;

export interface SimulatedSeries {
  labels: SeriesLabels;
  /** requests per second this series serves at `t` */
  rps(t: number): number;
  /** the version's behaviour in this series at `t`, chaos included */
  behaviourAt(t: number): VersionBehaviour;
}

export function matches(labels: SeriesLabels, selector: Selector): boolean {
  return (Object.keys(selector) as (keyof Selector)[]).every(
    (k) => selector[k] === undefined || selector[k] === labels[k],
  );
}

/** One series per deployment: its share of the model's regional traffic and its version's behaviour. */
export function seriesOf(
  seed: number,
  deployments: ServingDeployment[],
  chaos: readonly ChaosEffect[] = [],
): SimulatedSeries[] {
  return deployments.map((d) => {
    const share =
      (d.trafficWeight / 100) * (d.environment === "staging" ? STAGING_TRAFFIC_SHARE : 1);
    const labels = {
      model: d.model,
      version: d.version,
      region: d.region,
      cluster: d.cluster,
      environment: d.environment,
    };
    const behaviour = versionBehaviour(seed, d.model, d.version);
    // Production traffic as the global load balancer routes it between the model's regions.
    const routing = (d as { routing?: { regions: string[]; history: DialChange[] } }).routing;
    const rps = routing
      ? (t: number) => servedRps(d.model, d.region, routing, t) * share
      : (t: number) => regionRps(d.model, d.region, t) * share;
    const capacity = (d as { capacityRps?: number }).capacityRps;
    return {
      labels,
      rps,
      behaviourAt: (t: number) => {
        const b = withChaos(behaviour, labels, chaos, t);
        // Requests beyond what the ready replicas can serve are shed with a 503.
        const load = rps(t);
        if (capacity === undefined || load <= 0 || capacity >= load) return b;
        const shed = 1 - capacity / load;
        return { ...b, errorRate: Math.min(1, b.errorRate + shed * (1 - b.errorRate)) };
      },
    };
  });
}

/** The value a series shows for a metric at `t`; null where it is undefined (no traffic). */
export function valueAt(s: SimulatedSeries, metric: MetricName, t: number): number | null {
  const key = `${s.labels.model}/${s.labels.version}/${s.labels.region}/${s.labels.cluster}`;
  const rps = s.rps(t);
  if (metric === "request_rate") return rps * noise(`${key}:rps`, t, 0.04);
  if (rps <= 0) return null;
  const b = s.behaviourAt(t);
  switch (metric) {
    case "error_rate":
      return Math.min(1, b.errorRate * noise(`${key}:err`, t, 0.2));
    case "latency_p50":
      return quantileMs(b.latency, Z.p50) * noise(`${key}:lat`, t, 0.06);
    case "latency_p90":
      return quantileMs(b.latency, Z.p90) * noise(`${key}:lat`, t, 0.06);
    case "latency_p99":
      return quantileMs(b.latency, Z.p99) * noise(`${key}:lat`, t, 0.06);
    case "prediction_drift_psi":
      return b.driftPsi * noise(`${key}:psi`, t, 0.1);
    case "online_accuracy":
      return Math.min(1, b.accuracy * noise(`${key}:acc`, t, 0.01));
    case "data_age_seconds":
      return dataAgeSeconds(s.labels.model, t);
  }
}

/**
 * The simulator's metrics: computed, not stored, from the deployments that run now, so any
 * instant or window can be asked for and always gives the same answer.
 */
export class SimulatorMetrics implements MetricsSource {
  constructor(
    private readonly options: {
      seed: number;
      /** the serving deployments the selector picks (a source may return more: they are filtered) */
      deployments: (selector: Selector) => Promise<ServingDeployment[]>;
      /** faults injected into the fleet (chaos experiments) */
      chaos?: () => Promise<ChaosEffect[]>;
      now?: () => number;
    },
  ) {}

  private async series(selector: Selector): Promise<SimulatedSeries[]> {
    assertSelector(selector);
    const [deployments, chaos] = await Promise.all([
      this.options.deployments(selector),
      this.options.chaos?.() ?? Promise.resolve([]),
    ]);
    // Filtered before the series are made: making one draws its version's behaviour.
    const picked = deployments.filter((d) => matches(d, selector));
    return seriesOf(this.options.seed, picked, chaos);
  }

  async instant(metric: MetricName, selector: Selector, at?: Date): Promise<InstantSample[]> {
    const t = at?.getTime() ?? this.options.now?.() ?? clock.ms();
    const out: InstantSample[] = [];
    for (const s of await this.series(selector)) {
      const value = valueAt(s, metric, t);
      if (value !== null) out.push({ labels: s.labels, value });
    }
    return out;
  }

  async range(metric: MetricName, selector: Selector, window: RangeWindow): Promise<Series[]> {
    if (window.stepSeconds <= 0) throw new RangeError("stepSeconds must be positive");
    const out: Series[] = [];
    for (const s of await this.series(selector)) {
      const points: Series["points"] = [];
      for (
        let t = window.start.getTime();
        t <= window.end.getTime();
        t += window.stepSeconds * 1000
      ) {
        const value = valueAt(s, metric, t);
        if (value !== null) points.push({ t: new Date(t), value });
      }
      out.push({ labels: s.labels, points });
    }
    return out;
  }

  async sliCounts(
    sli: { kind: "availability" } | { kind: "latency"; thresholdMs: number },
    selector: Selector,
    start: Date,
    end: Date,
  ): Promise<SliCounts> {
    let good = 0;
    let total = 0;
    for (const s of await this.series(selector)) {
      for (let t = start.getTime(); t < end.getTime(); t += MINUTE) {
        const span = Math.min(MINUTE, end.getTime() - t) / 1000;
        const requests = s.rps(t) * span;
        const b = s.behaviourAt(t);
        const share =
          sli.kind === "availability" ? 1 - b.errorRate : shareBelow(b.latency, sli.thresholdMs);
        total += requests;
        good += requests * share;
      }
    }
    return { good: Math.round(good), total: Math.round(total) };
  }

  async health(): Promise<AdapterHealth> {
    const deployments = await this.options.deployments({});
    return {
      adapter: "simulator",
      status: deployments.length > 0 ? "ok" : "degraded",
      detail:
        deployments.length > 0
          ? `${deployments.length} simulated deployments`
          : "No deployments to simulate",
      checkedAt: clock.now(),
    };
  }
}
