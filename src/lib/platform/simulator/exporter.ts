import type { ServingDeployment } from "../types";
import { seriesOf, valueAt, type SimulatedSeries } from "./metrics";
import { shareBelow } from "./math";
import type { ChaosEffect } from "./chaos";

/** Histogram buckets of request duration, in seconds. */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
] as const;

interface Accumulator {
  lastT: number;
  requests: number;
  errors: number;
  durationSum: number;
  buckets: number[];
}

const escape = (v: string) =>
  v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(",");
}

/**
 * Serves the simulator's metrics in the Prometheus text exposition format, as a real model
 * server would: counters that grow by each series' request rate between scrapes, a request
 * duration histogram, and drift and accuracy gauges. Counters start at zero when the process
 * starts (Prometheus treats that as a counter reset).
 */
export class SimulatorExporter {
  private readonly state = new Map<string, Accumulator>();

  constructor(private readonly seed: number) {}

  /** Advances every series to `now` and renders the exposition text. */
  render(
    deployments: ServingDeployment[],
    now: number,
    chaos: readonly ChaosEffect[] = [],
  ): string {
    const series = seriesOf(this.seed, deployments, chaos);
    const lines: string[] = [
      "# HELP flightdeck_sim_requests_total Requests served by a model version, by outcome class.",
      "# TYPE flightdeck_sim_requests_total counter",
    ];
    const histogram: string[] = [
      "# HELP flightdeck_sim_request_duration_seconds Request duration.",
      "# TYPE flightdeck_sim_request_duration_seconds histogram",
    ];
    const drift: string[] = [
      "# HELP flightdeck_sim_prediction_drift_psi Population stability index of predictions.",
      "# TYPE flightdeck_sim_prediction_drift_psi gauge",
    ];
    const accuracy: string[] = [
      "# HELP flightdeck_sim_online_accuracy Accuracy measured from delayed labels.",
      "# TYPE flightdeck_sim_online_accuracy gauge",
    ];
    const dataAge: string[] = [
      "# HELP flightdeck_sim_data_age_seconds Seconds since the served features were refreshed.",
      "# TYPE flightdeck_sim_data_age_seconds gauge",
    ];
    for (const s of series) {
      const acc = this.advance(s, now);
      const l = labelText(s.labels);
      lines.push(`flightdeck_sim_requests_total{${l},code="2xx"} ${acc.requests - acc.errors}`);
      lines.push(`flightdeck_sim_requests_total{${l},code="5xx"} ${acc.errors}`);
      DURATION_BUCKETS.forEach((le, i) =>
        histogram.push(
          `flightdeck_sim_request_duration_seconds_bucket{${l},le="${le}"} ${acc.buckets[i]}`,
        ),
      );
      histogram.push(
        `flightdeck_sim_request_duration_seconds_bucket{${l},le="+Inf"} ${acc.requests}`,
      );
      histogram.push(`flightdeck_sim_request_duration_seconds_sum{${l}} ${acc.durationSum}`);
      histogram.push(`flightdeck_sim_request_duration_seconds_count{${l}} ${acc.requests}`);
      const psi = valueAt(s, "prediction_drift_psi", now);
      const accValue = valueAt(s, "online_accuracy", now);
      if (psi !== null) drift.push(`flightdeck_sim_prediction_drift_psi{${l}} ${psi}`);
      if (accValue !== null) accuracy.push(`flightdeck_sim_online_accuracy{${l}} ${accValue}`);
      const age = valueAt(s, "data_age_seconds", now);
      if (age !== null) dataAge.push(`flightdeck_sim_data_age_seconds{${l}} ${age}`);
    }
    return [...lines, ...histogram, ...drift, ...accuracy, ...dataAge, ""].join("\n");
  }

  private advance(s: SimulatedSeries, now: number): Accumulator {
    const key = labelText(s.labels);
    let acc = this.state.get(key);
    if (!acc) {
      acc = {
        lastT: now,
        requests: 0,
        errors: 0,
        durationSum: 0,
        buckets: DURATION_BUCKETS.map(() => 0),
      };
      this.state.set(key, acc);
    }
    // Integrate in slices of at most 10 s so the daily cycle is followed closely.
    while (acc.lastT < now) {
      const span = Math.min(10_000, now - acc.lastT);
      const requests = (valueAt(s, "request_rate", acc.lastT) ?? 0) * (span / 1000);
      const b = s.behaviourAt(acc.lastT);
      acc.requests += requests;
      acc.errors += requests * b.errorRate;
      // mean of a log-normal: median × e^(σ²/2)
      acc.durationSum +=
        (requests * b.latency.medianMs * Math.exp(b.latency.sigma ** 2 / 2)) / 1000;
      DURATION_BUCKETS.forEach((le, i) => {
        acc.buckets[i] = (acc.buckets[i] ?? 0) + requests * shareBelow(b.latency, le * 1000);
      });
      acc.lastT += span;
    }
    return acc;
  }
}
