// Flightdeck's own metrics (Prometheus text format at GET /metrics; see README). One registry
// per process, kept on globalThis: the HTTP server (scripts/lib/web-server.ts) and the Next.js
// server code each load this module (and may load prom-client from different paths, as in a
// copy of the build whose links were resolved), and all of them record into the one registry
// /metrics serves. Every metric is looked up there before it is made.
import client, { type Counter, type Gauge, type Histogram, type Registry } from "prom-client";

const shared = globalThis as unknown as { flightdeckMetricsRegistry?: Registry };
shared.flightdeckMetricsRegistry ??= new client.Registry();
const registry = shared.flightdeckMetricsRegistry;
const registers = [registry];

function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new client.Histogram({ name, help, labelNames, buckets, registers });
}

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new client.Counter({ name, help, labelNames, registers });
}

function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void,
): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new client.Gauge({ name, help, labelNames, registers, ...(collect ? { collect } : {}) });
}

const LATENCY = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpRequestDuration = histogram(
  "flightdeck_http_request_duration_seconds",
  "HTTP requests served, by route pattern (not path), method and status.",
  ["route", "method", "status"],
  LATENCY,
);

export const serverActionDuration = histogram(
  "flightdeck_server_action_duration_seconds",
  "Server actions (the UI's buttons), by action name and outcome (ok, or the error code).",
  ["action", "outcome"],
  LATENCY,
);

export const engineStepDuration = histogram(
  "flightdeck_engine_step_duration_seconds",
  "Time the rollout engine spent driving one rollout in one pass (platform calls included).",
  [],
  LATENCY,
);

export const platformWriteDuration = histogram(
  "flightdeck_platform_write_duration_seconds",
  "Writes to the serving platform (simulator or Kubernetes) by the rollout engine, by outcome.",
  ["driver", "outcome"],
  LATENCY,
);

export const sloEvaluationDuration = histogram(
  "flightdeck_slo_evaluation_duration_seconds",
  "One evaluation of every SLO's budget and burn-rate alerts.",
  [],
  LATENCY,
);

export const alertIntake = counter(
  "flightdeck_alert_intake_total",
  "Alerts received on the Alertmanager webhook, by outcome (accepted, refused).",
  ["outcome"],
);

export const fleetSyncAge = gauge(
  "flightdeck_fleet_sync_age_seconds",
  "Seconds since each cluster's inventory was last read whole by this worker; it grows while reads fail.",
  ["cluster"],
  function collect() {
    const now = Date.now();
    for (const [cluster, at] of syncedAt()) this.set({ cluster }, Math.max(0, (now - at) / 1000));
  },
);

function syncedAt(): Map<string, number> {
  const shared = globalThis as unknown as { flightdeckClusterSynced?: Map<string, number> };
  shared.flightdeckClusterSynced ??= new Map();
  return shared.flightdeckClusterSynced;
}

/** The worker calls this after a sync with the clusters it read whole at `at` (ms). */
export function clustersSynced(clusters: readonly string[], at: number): void {
  for (const name of clusters) syncedAt().set(name, at);
}

/** Each background loop's last completed pass, set by the worker. */
const lastTicks = new Map<string, number>();
export const workerLoopLastTick = gauge(
  "flightdeck_worker_loop_last_tick_timestamp_seconds",
  "When each worker loop (engine, fleet, slo) last completed a pass, as a Unix time.",
  ["loop"],
);

/**
 * Made by the first completed engine pass, so a process without an engine (a web process, a
 * worker not yet through its first pass) has no series: a 0 there would read as "no lag" to
 * whoever takes the max across processes.
 */
function engineLoopLag(): void {
  gauge(
    "flightdeck_engine_loop_lag_seconds",
    "Seconds since the rollout engine last started a pass that completed: how late a due step can be.",
    [],
    function collect() {
      const started = engineLastPassStart();
      if (started !== null) this.set(Math.max(0, (Date.now() - started) / 1000));
    },
  );
}

const g = globalThis as unknown as {
  flightdeckEngineLastPassStart?: number;
  flightdeckLoopTicks?: Map<string, number>;
};
g.flightdeckLoopTicks ??= lastTicks;

function engineLastPassStart(): number | null {
  return g.flightdeckEngineLastPassStart ?? null;
}

/** The worker calls this when a loop completes a pass (started at `startedAt`). */
export function loopTicked(
  loop: "engine" | "fleet" | "slo",
  startedAt: number,
  completedAt = Date.now(),
): void {
  const now = completedAt;
  g.flightdeckLoopTicks?.set(loop, now);
  workerLoopLastTick.set({ loop }, now / 1000);
  if (loop === "engine") {
    g.flightdeckEngineLastPassStart = startedAt;
    engineLoopLag();
  }
}

/** When each loop last completed a pass (ms since the epoch), for the readiness probe. */
export function loopTicks(): ReadonlyMap<string, number> {
  return g.flightdeckLoopTicks ?? lastTicks;
}

export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const pools = globalThis as unknown as { flightdeckPoolStats?: () => PoolStats };
/** The database client registers how to read its pool's counts. */
export function registerPool(stats: () => PoolStats): void {
  pools.flightdeckPoolStats = stats;
}

export const dbPoolConnections = gauge(
  "flightdeck_db_pool_connections",
  "The database connection pool: connections in use, idle, and requests waiting for one.",
  ["state"],
  function collect() {
    const s = pools.flightdeckPoolStats?.();
    if (!s) return;
    this.set({ state: "in_use" }, s.totalCount - s.idleCount);
    this.set({ state: "idle" }, s.idleCount);
    this.set({ state: "waiting" }, s.waitingCount);
  },
);

/** Process metrics (CPU, memory, event loop lag, GC), once per process. */
const withDefaults = globalThis as unknown as { flightdeckDefaultMetrics?: boolean };
if (!withDefaults.flightdeckDefaultMetrics) {
  withDefaults.flightdeckDefaultMetrics = true;
  client.collectDefaultMetrics({ prefix: "flightdeck_", register: registry });
}

/** The exposition: text and its content type. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Times `work` into `h` with `labels`; the outcome label is added when the histogram has one. */
export async function timed<T>(
  observe: (seconds: number, outcome: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    observe((performance.now() - started) / 1000, "ok");
    return result;
  } catch (error) {
    observe((performance.now() - started) / 1000, "error");
    throw error;
  }
}
