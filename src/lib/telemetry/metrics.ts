// Flightdeck's own metrics (Prometheus text format at GET /metrics; see README). One registry
// per process, kept on globalThis: the HTTP server (scripts/lib/web-server.ts) and the Next.js
// server code each load this module (and may load prom-client from different paths, as in a
// copy of the build whose links were resolved), and all of them record into the one registry
// /metrics serves. Every metric is looked up there before it is made.
import client, { type Counter, type Gauge, type Histogram, type Registry } from "prom-client";

/** What every copy of this module in the process shares (see above). */
interface SharedState {
  registry: Registry;
  /** each worker loop's last completed pass (ms since the epoch) */
  loopTicks: Map<string, number>;
  /** when the last completed engine pass started */
  engineLastPassStart?: number;
  /** each cluster's last whole inventory read (ms) */
  clusterSynced: Map<string, number>;
  poolStats?: () => PoolStats;
  defaultMetrics?: boolean;
}
const shared = globalThis as unknown as { flightdeckTelemetryState?: SharedState };
shared.flightdeckTelemetryState ??= {
  registry: new client.Registry(),
  loopTicks: new Map(),
  clusterSynced: new Map(),
};
const state = shared.flightdeckTelemetryState;
const registry = state.registry;
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

export const prismaPlanCache = counter(
  "flightdeck_prisma_plan_cache_total",
  "Query plans of reads asked of the plan cache (server/db/plan-cache.ts): hit (reused) or miss (compiled).",
  ["outcome"],
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

export const notificationAttempts = counter(
  "flightdeck_notification_attempts_total",
  "Attempts to deliver a notification, by channel kind (slack, pagerduty, webhook) and outcome (delivered, retry, dead).",
  ["kind", "outcome"],
);

export const rolloutBlocks = counter(
  "flightdeck_rollout_blocks_total",
  "Rollouts that became blocked (the engine could not drive them), by what blocked them: platform, metrics, target, internal.",
  ["kind"],
);

export const blockedRollouts = gauge(
  "flightdeck_rollouts_blocked",
  'Rollouts blocked now, from the database at the worker\'s last engine pass; alerting="true" are those blocked past FLIGHTDECK_BLOCKED_ALERT_MINUTES (a ticket).',
  ["alerting"],
);

export const fleetSyncAge = gauge(
  "flightdeck_fleet_sync_age_seconds",
  "Seconds since each cluster's inventory was last read whole by this worker; it grows while reads fail.",
  ["cluster"],
  function collect() {
    const now = Date.now();
    for (const [cluster, at] of state.clusterSynced)
      this.set({ cluster }, Math.max(0, (now - at) / 1000));
  },
);

/** The worker calls this after a sync with the clusters it read whole at `at` (ms). */
export function clustersSynced(clusters: readonly string[], at: number): void {
  for (const name of clusters) state.clusterSynced.set(name, at);
}

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
      const started = state.engineLastPassStart;
      if (started !== undefined) this.set(Math.max(0, (Date.now() - started) / 1000));
    },
  );
}

/** The worker calls this when a loop completes a pass (started at `startedAt`). */
export function loopTicked(
  loop: "engine" | "fleet" | "slo" | "drains",
  startedAt: number,
  completedAt = Date.now(),
): void {
  state.loopTicks.set(loop, completedAt);
  workerLoopLastTick.set({ loop }, completedAt / 1000);
  if (loop === "engine") {
    state.engineLastPassStart = startedAt;
    engineLoopLag();
  }
}

/** When each loop last completed a pass (ms since the epoch), for the readiness probe. */
export function loopTicks(): ReadonlyMap<string, number> {
  return state.loopTicks;
}

export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The database client registers how to read its pool's counts. */
export function registerPool(stats: () => PoolStats): void {
  state.poolStats = stats;
}

export const dbPoolConnections = gauge(
  "flightdeck_db_pool_connections",
  "The database connection pool: connections in use, idle, and requests waiting for one.",
  ["state"],
  function collect() {
    const s = state.poolStats?.();
    if (!s) return;
    this.set({ state: "in_use" }, s.totalCount - s.idleCount);
    this.set({ state: "idle" }, s.idleCount);
    this.set({ state: "waiting" }, s.waitingCount);
  },
);

export const dbPoolWait = histogram(
  "flightdeck_db_pool_wait_seconds",
  "Requests for a database connection that found none free, by how long they waited and whether they got one (ok) or gave up (error).",
  ["outcome"],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
);

/** Process metrics (CPU, memory, event loop lag, GC), once per process. */
if (!state.defaultMetrics) {
  state.defaultMetrics = true;
  client.collectDefaultMetrics({ prefix: "flightdeck_", register: registry });
}

/** The exposition: text and its content type. */
export async function exposition(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Times `work` and reports its seconds with its outcome ("ok" or "error"); rethrows failures. */
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
