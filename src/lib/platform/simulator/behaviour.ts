import { hash32, unit, type LogNormal } from "./math";

/**
 * The simulated fleet's latent behaviour: what each model version would do in production.
 * Everything is a pure function of the seed, names and time, so two processes (or a restart)
 * see the same fleet.
 */
export type Fault = "none" | "errors" | "latency" | "drift";

export interface VersionBehaviour {
  fault: Fault;
  /** share of requests answered with a 5xx */
  errorRate: number;
  latency: LogNormal;
  /** population stability index of the prediction distribution */
  driftPsi: number;
  /** accuracy measured from delayed labels, 0..1 */
  accuracy: number;
}

export interface ModelProfile {
  /** requests per second at the daily peak, across all regions */
  peakRps: number;
  medianMs: number;
}

export function modelProfile(model: string): ModelProfile {
  const large = /llm|gpt|70b|generat/i.test(model);
  return {
    peakRps: large ? 20 + unit(`rps:${model}`) * 30 : 80 + unit(`rps:${model}`) * 300,
    medianMs: large ? 700 + unit(`p50:${model}`) * 500 : 15 + unit(`p50:${model}`) * 60,
  };
}

/**
 * About one version in ten is bad in each way: elevated 5xx, a p99 regression, or drifted
 * predictions; the rest are healthy with small differences.
 */
export function versionBehaviour(seed: number, model: string, version: string): VersionBehaviour {
  const key = `${seed}:${model}@${version}`;
  const roll = hash32(`fault:${key}`) % 10;
  const fault: Fault =
    roll === 0 ? "errors" : roll === 1 ? "latency" : roll === 2 ? "drift" : "none";
  const profile = modelProfile(model);
  const jitter = (name: string, spread: number) => 1 + (unit(`${name}:${key}`) - 0.5) * spread;
  return {
    fault,
    errorRate:
      fault === "errors" ? 0.02 + unit(`err:${key}`) * 0.03 : 0.0002 + unit(`err:${key}`) * 0.0004,
    latency: {
      medianMs: profile.medianMs * jitter("p50", 0.2) * (fault === "latency" ? 1.15 : 1),
      sigma: fault === "latency" ? 0.9 : 0.4 + unit(`sigma:${key}`) * 0.1,
    },
    driftPsi: fault === "drift" ? 0.3 + unit(`psi:${key}`) * 0.2 : 0.02 + unit(`psi:${key}`) * 0.06,
    accuracy: (fault === "drift" ? 0.84 : 0.925) + unit(`acc:${key}`) * 0.015,
  };
}

/** Hours by which each region's day runs behind UTC, so peaks follow the sun. */
const REGION_UTC_OFFSET_HOURS: Record<string, number> = {
  "us-east-1": -5,
  "us-west-2": -8,
  "eu-west-1": 0,
  "ap-southeast-1": 8,
};

/** Share of a model's traffic each region receives. */
const REGION_SHARE: Record<string, number> = {
  "us-east-1": 0.35,
  "us-west-2": 0.25,
  "eu-west-1": 0.25,
  "ap-southeast-1": 0.15,
};

const HOUR = 3_600_000;

/** Requests per second for a model in a region at `t`: a daily cycle peaking mid-afternoon local time. */
export function regionRps(model: string, region: string, t: number): number {
  const offset = REGION_UTC_OFFSET_HOURS[region] ?? 0;
  const localHour = (((t / HOUR + offset) % 24) + 24) % 24;
  const cycle = 0.6 + 0.4 * Math.max(0, Math.sin(((localHour - 6) / 24) * 2 * Math.PI)) ** 1.5;
  return modelProfile(model).peakRps * (REGION_SHARE[region] ?? 0.1) * cycle;
}

/** Deterministic measurement noise for a series in a given minute, within ±spread/2. */
export function noise(series: string, t: number, spread: number): number {
  return 1 + (unit(`noise:${series}:${Math.floor(t / 60_000)}`) - 0.5) * spread;
}

export interface ServingProfile {
  gpuType: "H100" | "A100" | "L4";
  gpusPerReplica: number;
  /** how long a new replica takes to pull the image and load weights, ms */
  startupMs: number;
}

/** What one serving replica of a model needs: large language models shard over two H100s. */
export function servingProfile(model: string): ServingProfile {
  if (/llm|gpt|70b|generat/i.test(model)) {
    return { gpuType: "H100", gpusPerReplica: 2, startupMs: 4 * 60_000 };
  }
  if (/asr|speech|ranker|vision/i.test(model)) {
    return { gpuType: "A100", gpusPerReplica: 1, startupMs: 90_000 };
  }
  return { gpuType: "L4", gpusPerReplica: 1, startupMs: 45_000 };
}

/** Share of a model's production traffic that goes to a region (exported for capacity planning). */
export function regionShare(region: string): number {
  return REGION_SHARE[region] ?? 0.1;
}

/**
 * Seconds since the features a model serves from were refreshed: a sawtooth at the model's
 * pipeline cadence (2 to 10 minutes), and about one hour in fifty a late pipeline run that
 * leaves the data 15 to 45 minutes older, so freshness SLOs have something to measure.
 */
export function dataAgeSeconds(model: string, t: number): number {
  const cadence = 120 + Math.floor(unit(`cadence:${model}`) * 480);
  const seconds = t / 1000;
  const hour = Math.floor(t / HOUR);
  const late =
    unit(`late:${model}:${hour}`) < 0.02 ? 900 + unit(`lateby:${model}:${hour}`) * 1800 : 0;
  return (seconds % cadence) + late;
}
