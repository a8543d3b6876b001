import "server-only";
import { PageReads } from "@/lib/platform/page-reads";
import { SharedRead } from "@/lib/shared-read";
import { envNumber, envText } from "@/lib/config/env";
import { clock } from "@/lib/clock";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import { SimulatorExporter } from "@/lib/platform/simulator/exporter";
import { PrometheusMetrics, type QueryTemplates } from "@/lib/platform/prometheus";
import { db } from "@/server/db/client";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import {
  PlatformError,
  withTimeout,
  type AdapterHealth,
  type ClusterState,
  type FleetPlatform,
  type HpaState,
  type MetricsSource,
  type NamespaceState,
  type Selector,
  type ServingDeployment,
} from "@/lib/platform/types";
import type { FleetFilter } from "@/lib/schemas/list-query";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { chaosEffects } from "@/server/fleet/chaos";
import { createSimulatorPlatform, simulatorSeed } from "@/server/fleet/simulator";
import type { SimulatorPlatform } from "@/lib/platform/simulator/platform";
import { HttpTrafficHook } from "@/lib/platform/traffic/http-hook";
import type { AutoscalerControl, TrafficManager } from "@/lib/platform/types";

const g = globalThis as unknown as {
  flightdeckMetrics?: MetricsSource;
  flightdeckPageMetrics?: { source: MetricsSource; pages: PageReads };
  flightdeckExporter?: SimulatorExporter;
  flightdeckFleet?: SimulatorPlatform | KubernetesPlatform;
  flightdeckTrafficHook?: { url: string; hook: TrafficManager };
};

export const PLATFORMS = ["simulator", "kubernetes"] as const;
export type PlatformKind = (typeof PLATFORMS)[number];

/** FLIGHTDECK_PLATFORM: `simulator` (the default) or `kubernetes`; anything else is refused. */
export function platformKind(): PlatformKind {
  const raw = process.env.FLIGHTDECK_PLATFORM || "simulator";
  if (!(PLATFORMS as readonly string[]).includes(raw)) {
    throw new Error(`FLIGHTDECK_PLATFORM must be ${PLATFORMS.join(" or ")}, not "${raw}"`);
  }
  return raw as PlatformKind;
}

/**
 * Whether the fleet is the built-in simulator (FLIGHTDECK_PLATFORM, default `simulator`). Where
 * metrics are read from (PROMETHEUS_URL) does not change it: a Prometheus may scrape the
 * simulated fleet.
 */
export function simulatorIsPlatform(): boolean {
  // Never throws: an unknown platform is no simulator (npm start refuses it before it gets here).
  return (process.env.FLIGHTDECK_PLATFORM || "simulator") === "simulator";
}

/**
 * The platform this process reads and drives: cluster inventory, workloads, rollouts and
 * training jobs; the built-in simulator, or real clusters (FLIGHTDECK_PLATFORM=kubernetes, read
 * through watches into this process's memory: lib/platform/kubernetes).
 */
export function fleetPlatform(): FleetPlatform & { tick?: () => Promise<unknown> } {
  if (!g.flightdeckFleet) {
    if (platformKind() === "simulator") {
      g.flightdeckFleet = createSimulatorPlatform({ chaos: chaosEffects });
    } else {
      const metrics = process.env.PROMETHEUS_URL ? metricsSource() : null;
      g.flightdeckFleet = new KubernetesPlatform({
        clusters: clustersFromEnvironment(),
        artifact: (model, version) =>
          db().modelVersion.findFirst({
            where: { version, model: { name: model } },
            select: { imageDigest: true, artifactUri: true },
          }),
        gpuUtilization:
          metrics instanceof PrometheusMetrics ? () => metrics.gpuUtilizationByNode() : undefined,
      }).start();
    }
  }
  return g.flightdeckFleet;
}

/** The real clusters' platform when FLIGHTDECK_PLATFORM=kubernetes, else null. */
export function kubernetesPlatform(): KubernetesPlatform | null {
  const platform = fleetPlatform();
  return platform instanceof KubernetesPlatform ? platform : null;
}

/**
 * The global load balancer: the hook at FLIGHTDECK_TRAFFIC_HOOK_URL when set, else the
 * simulator's own; null for real clusters without a hook (regions show their serving, but no
 * drain can run).
 */
export function trafficManager(): TrafficManager | null {
  const url = process.env.FLIGHTDECK_TRAFFIC_HOOK_URL;
  if (url) {
    if (g.flightdeckTrafficHook?.url !== url) {
      g.flightdeckTrafficHook = {
        url,
        hook: new HttpTrafficHook({
          url,
          token: process.env.FLIGHTDECK_TRAFFIC_HOOK_TOKEN || undefined,
          timeoutMs: envNumber("FLIGHTDECK_TRAFFIC_HOOK_TIMEOUT_MS", 5_000, {
            min: 100,
            max: 60_000,
          }),
        }),
      };
    }
    return g.flightdeckTrafficHook.hook;
  }
  const platform = fleetPlatform();
  return "setDials" in platform ? (platform as unknown as TrafficManager) : null;
}

/** Autoscaler bounds: what the platform can change (the simulator; null where it cannot). */
export function autoscalerControl(): AutoscalerControl | null {
  const platform = fleetPlatform();
  return "setAutoscalerBounds" in platform ? (platform as unknown as AutoscalerControl) : null;
}

/** Installs a platform for this process (tests); null drops it, to be made again on next use. */
export function useFleetPlatform(platform: SimulatorPlatform | KubernetesPlatform | null): void {
  g.flightdeckFleet = platform ?? undefined;
}

/**
 * The metrics source this process uses: Prometheus when PROMETHEUS_URL is set, otherwise the
 * built-in simulator.
 */
export function metricsSource(): MetricsSource {
  if (!g.flightdeckMetrics) {
    const url = process.env.PROMETHEUS_URL;
    if (url) {
      const parse = <T>(name: string): T | undefined => {
        const raw = process.env[name];
        if (!raw) return undefined;
        try {
          return JSON.parse(raw) as T;
        } catch {
          throw new Error(`${name} must be JSON`);
        }
      };
      g.flightdeckMetrics = new PrometheusMetrics({
        url,
        window: envText("PROMETHEUS_RATE_WINDOW"),
        timeoutMs: envNumber("PROMETHEUS_TIMEOUT_MS", 5_000, { min: 100, max: 120_000 }),
        templates: parse<Partial<QueryTemplates>>("PROMETHEUS_QUERIES"),
        modelTemplates: parse<Record<string, Partial<QueryTemplates>>>("PROMETHEUS_MODEL_QUERIES"),
      });
    } else if (!simulatorIsPlatform()) {
      // Real clusters without Prometheus: no metrics, never simulated ones for real workloads.
      g.flightdeckMetrics = new NoMetrics();
    } else {
      g.flightdeckMetrics = new SimulatorMetrics({
        seed: simulatorSeed(),
        deployments: servingDeployments,
        chaos: chaosEffects,
      });
    }
  }
  return g.flightdeckMetrics;
}

/**
 * How long a page waits for the metrics source before it shows what it last knew (with its age),
 * and how long pages then stop asking after a failure: a Prometheus outage, a slow one or one
 * answering garbage leaves every page rendering at once, with the source marked stale.
 */
const PAGE_SOURCE_TIMEOUT_MS = envNumber("FLIGHTDECK_PAGE_SOURCE_TIMEOUT_MS", 800, {
  min: 100,
  max: 30_000,
});
const PAGE_SOURCE_SKIP_MS = 15_000;

/**
 * The metrics source for what pages and people's actions read (see PageReads). The simulator's
 * metrics are computed in this process and cannot be down or slow: they are read as they are.
 */
export function pageMetrics(): MetricsSource {
  const source = metricsSource();
  if (!process.env.PROMETHEUS_URL) return source;
  if (g.flightdeckPageMetrics?.source !== source) {
    g.flightdeckPageMetrics = {
      source,
      pages: new PageReads(source, {
        name: metricsSourceName(),
        timeoutMs: PAGE_SOURCE_TIMEOUT_MS,
        skipMs: PAGE_SOURCE_SKIP_MS,
      }),
    };
  }
  return g.flightdeckPageMetrics.pages;
}

export function metricsSourceName(): string {
  if (process.env.PROMETHEUS_URL) return "Prometheus metrics";
  return metricsAreSimulated() ? "Simulator metrics" : "Metrics";
}

/**
 * Whether metrics are the simulator's: no Prometheus and the simulator is the platform, as
 * metricsSource() decides. Decided from the configuration, not with instanceof: the worker's
 * bundle and the pages' have each their own copy of the class.
 */
function metricsAreSimulated(): boolean {
  return !process.env.PROMETHEUS_URL && simulatorIsPlatform();
}

const NO_METRICS =
  "no metrics source: set PROMETHEUS_URL to the Prometheus that scrapes your models";

/** The metrics source of real clusters when no Prometheus is configured: every read fails, saying so. */
class NoMetrics implements MetricsSource {
  async instant(): Promise<never> {
    throw new PlatformError("metrics", NO_METRICS);
  }
  async range(): Promise<never> {
    throw new PlatformError("metrics", NO_METRICS);
  }
  async sliCounts(): Promise<never> {
    throw new PlatformError("metrics", NO_METRICS);
  }
  async health(): Promise<AdapterHealth> {
    return { adapter: "none", status: "down", detail: NO_METRICS, checkedAt: clock.now() };
  }
}

/** The simulator's Prometheus exposition, for GET /api/sim/metrics. */
export async function simulatorExposition(now = clock.ms()): Promise<string> {
  g.flightdeckExporter ??= new SimulatorExporter(simulatorSeed());
  const [deployments, chaos] = await Promise.all([servingDeployments(), chaosEffects()]);
  return g.flightdeckExporter.render(deployments, now, chaos);
}

/** The model-serving deployments the platform runs now (all, or those `selector` picks). */
export async function servingDeployments(selector: Selector = {}): Promise<ServingDeployment[]> {
  const { data } = await fleetPlatform().deployments(selector);
  return data;
}

export interface SourceReading<T> {
  data: T | null;
  /** when `data` was read successfully */
  readAt: Date | null;
  /** set when the latest attempt failed and `data` (if any) is older */
  error: string | null;
}

const lastGood = ((
  globalThis as unknown as { flightdeckLastGood?: Map<string, { data: unknown; at: Date }> }
).flightdeckLastGood ??= new Map());

/**
 * Reads from the platform; when the source is down, answers with the last good data and its
 * age instead of nothing, so pages keep showing what was last known.
 */
export async function readWithFallback<T>(
  key: string,
  read: () => Promise<T>,
): Promise<SourceReading<T>> {
  try {
    const data = await read();
    const at = clock.now();
    lastGood.set(key, { data, at });
    return { data, readAt: at, error: null };
  } catch (error) {
    const previous = lastGood.get(key) as { data: T; at: Date } | undefined;
    return {
      data: previous?.data ?? null,
      readAt: previous?.at ?? null,
      error: error instanceof Error ? error.message : "unavailable",
    };
  }
}

export interface LiveModelTraffic {
  model: string;
  rps: number;
  /** request-weighted error rate across the model's series */
  errorRate: number | null;
  /** worst p99 among the model's series, ms */
  p99Ms: number | null;
  series: number;
}

/**
 * How long the header's platform status and the Overview's live traffic are shared by everyone:
 * both are the same for every reader and cost a pass over every series of the fleet (3,000
 * deployments at fleet scale), so they are read once per interval, not once per page.
 */
export const SHARED_LIVE_MS = 5_000;

const shared = ((
  globalThis as unknown as {
    flightdeckSharedLive?: {
      traffic: SharedRead<SourceReading<LiveModelTraffic[]>>;
      status: SharedRead<PlatformStatus>;
    };
  }
).flightdeckSharedLive ??= {
  traffic: new SharedRead({ ttlMs: SHARED_LIVE_MS }),
  status: new SharedRead({ ttlMs: SHARED_LIVE_MS }),
});

/** Live traffic per model, from the active metrics source (simulator or Prometheus). */
export async function liveTraffic(actor: Actor | null): Promise<SourceReading<LiveModelTraffic[]>> {
  assertCanRead(actor);
  // The simulator's traffic changes at once when chaos starts or stops: a new reading then.
  const version = metricsAreSimulated() ? JSON.stringify(await chaosEffects()) : "";
  return (await shared.traffic.read("all", readLiveTraffic, version)).value;
}

function readLiveTraffic(): Promise<SourceReading<LiveModelTraffic[]>> {
  return readWithFallback("live-traffic", async () => {
    const source = pageMetrics();
    const [rps, errors, p99] = await Promise.all([
      withTimeout("request rate", 5_000, source.instant("request_rate", {})),
      withTimeout("error rate", 5_000, source.instant("error_rate", {})),
      withTimeout("p99 latency", 5_000, source.instant("latency_p99", {})),
    ]);
    const key = (l: object) => JSON.stringify(l);
    const errorBySeries = new Map(errors.map((s) => [key(s.labels), s.value]));
    const byModel = new Map<string, LiveModelTraffic & { errorWeighted: number }>();
    for (const s of rps) {
      const m = byModel.get(s.labels.model) ?? {
        model: s.labels.model,
        rps: 0,
        errorRate: null,
        p99Ms: null,
        series: 0,
        errorWeighted: 0,
      };
      m.rps += s.value;
      m.series += 1;
      m.errorWeighted += s.value * (errorBySeries.get(key(s.labels)) ?? 0);
      byModel.set(s.labels.model, m);
    }
    for (const s of p99) {
      const m = byModel.get(s.labels.model);
      if (m) m.p99Ms = Math.max(m.p99Ms ?? 0, s.value);
    }
    return [...byModel.values()]
      .map(({ errorWeighted, ...m }) => ({
        ...m,
        errorRate: m.rps > 0 ? errorWeighted / m.rps : null,
      }))
      .sort((a, b) => a.model.localeCompare(b.model));
  });
}

export interface PlatformStatus {
  status: "ok" | "degraded" | "down";
  sources: {
    name: string;
    status: "ok" | "degraded" | "down";
    detail: string;
    lastOkAt: Date | null;
  }[];
}

/** For the header: each platform source's health and when it last answered. */
export async function platformStatus(actor: Actor | null): Promise<PlatformStatus> {
  assertCanRead(actor);
  return (await shared.status.read("all", readPlatformStatus)).value;
}

async function readPlatformStatus(): Promise<PlatformStatus> {
  const probe = (key: string, check: () => Promise<AdapterHealth>) =>
    readWithFallback(key, async () => {
      const h = await withTimeout(`${key} health`, 3_000, check());
      if (h.status === "down") throw new Error(h.detail);
      return h;
    });
  const [metrics, fleet] = await Promise.all([
    probe("metrics", () => pageMetrics().health()),
    probe("fleet", () => fleetPlatform().health()),
  ]);
  const sourceOf = (name: string, r: SourceReading<AdapterHealth>) => ({
    name,
    status: r.error ? ("down" as const) : (r.data?.status ?? ("down" as const)),
    detail: r.error ?? r.data?.detail ?? "",
    lastOkAt: r.readAt,
  });
  const sources = [
    sourceOf(metricsSourceName(), metrics),
    sourceOf(
      simulatorIsPlatform() ? "Simulator clusters and workloads" : "Kubernetes clusters",
      fleet,
    ),
  ];
  const status = sources.some((s) => s.status === "down")
    ? sources.every((s) => s.status === "down")
      ? "down"
      : "degraded"
    : sources.some((s) => s.status === "degraded")
      ? "degraded"
      : "ok";
  return { status, sources };
}

export interface LiveFleet {
  clusters: ClusterState[];
  namespaces: NamespaceState[];
  autoscalers: HpaState[];
  /** clusters or sources that did not answer */
  errors: { source: string; message: string }[];
}

/**
 * Live inventory from the platform: clusters and node pools with node health and GPU use,
 * namespaces with quotas, autoscalers. Falls back to the last good reading with its age.
 */
export async function liveFleet(
  actor: Actor | null,
  filter: FleetFilter = {},
): Promise<SourceReading<LiveFleet>> {
  assertCanRead(actor);
  const reading = await readWithFallback("live-fleet", async () => {
    const platform = fleetPlatform();
    const [clusters, namespaces, autoscalers] = await Promise.all([
      withTimeout("cluster inventory", 5_000, platform.clusters()),
      withTimeout("namespaces", 5_000, platform.namespaces()),
      withTimeout("autoscalers", 5_000, platform.autoscalers()),
    ]);
    return {
      clusters: clusters.data,
      namespaces: namespaces.data,
      autoscalers: autoscalers.data,
      errors: [...clusters.errors, ...namespaces.errors, ...autoscalers.errors],
    };
  });
  if (!reading.data || !filter.region) return reading;
  const inRegion = new Set(
    reading.data.clusters.filter((c) => c.region === filter.region).map((c) => c.name),
  );
  return {
    ...reading,
    data: {
      clusters: reading.data.clusters.filter((c) => inRegion.has(c.name)),
      namespaces: reading.data.namespaces.filter((n) => inRegion.has(n.cluster)),
      autoscalers: reading.data.autoscalers.filter((h) => inRegion.has(h.cluster)),
      errors: reading.data.errors,
    },
  };
}

/** GPU totals across live clusters, overall and by GPU type. */
export function gpuTotals(clusters: ClusterState[]) {
  const byType = new Map<
    string,
    { gpuType: string; total: number; allocatable: number; allocated: number }
  >();
  const all = { total: 0, allocatable: 0, allocated: 0, nodes: 0, readyNodes: 0 };
  for (const c of clusters) {
    for (const p of c.pools) {
      const t = byType.get(p.gpuType) ?? {
        gpuType: p.gpuType,
        total: 0,
        allocatable: 0,
        allocated: 0,
      };
      t.total += p.gpus;
      t.allocatable += p.allocatable;
      t.allocated += p.allocated;
      byType.set(p.gpuType, t);
      all.total += p.gpus;
      all.allocatable += p.allocatable;
      all.allocated += p.allocated;
      all.nodes += p.nodes;
      all.readyNodes += p.readyNodes;
    }
  }
  return {
    ...all,
    byType: [...byType.values()].sort((a, b) => a.gpuType.localeCompare(b.gpuType)),
  };
}
