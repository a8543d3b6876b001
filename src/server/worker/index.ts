import "server-only";
import { envNumber } from "@/lib/config/env";
import { feedSliMinutes } from "@/server/slos/sli-feed";
import { syncFleet } from "@/server/fleet/sync";
import { evaluateSlos } from "@/server/slos/evaluator";
import { driveRollouts } from "@/server/rollouts/engine";
import { driveDrains } from "@/server/traffic/engine";
import { deliverNotifications } from "@/server/notifications/deliver";
import { announceFreezes } from "@/server/notifications/freezes";
import { log } from "@/lib/telemetry/log";
import { runsWorker } from "@/lib/config/role";
import { clustersSynced, loopTicked, sloEvaluationDuration, timed } from "@/lib/telemetry/metrics";

const g = globalThis as unknown as {
  flightdeckWorker?: NodeJS.Timeout;
  flightdeckEngine?: NodeJS.Timeout;
  flightdeckNotifier?: NodeJS.Timeout;
  flightdeckDrains?: NodeJS.Timeout;
};

/** How often the drain engine moves region drains along (each is driven under a lease). */
const DRAIN_TICK_MS = 2_000;

/** How often the worker sends due notifications (each subject's backlog goes in one pass). */
const NOTIFY_TICK_MS = 2_000;

/** How often the rollout engine looks for due steps, analysis intervals and timed pauses. */
const ENGINE_TICK_MS = envNumber("FLIGHTDECK_ENGINE_TICK_MS", 1_000, { min: 50, max: 60_000 });

const TICK_MS = 5_000;
/** The SLI feed runs every third tick: minute buckets need no finer cadence. */
const SLI_EVERY_TICKS = 3;

async function attempt(name: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    log().error({ loop: name, err: error }, `${name} failed; retrying next tick`);
    return false;
  }
}

/**
 * Background loops, started once per worker process (`flightdeck worker`, or the demo's single
 * process). Work is made exactly-once by PostgreSQL (row locks, leases, unique keys and
 * advisory locks), so several workers never apply the same work twice: the fleet advances
 * under a row lock, the inventory sync runs on one worker at a time, each SLI minute is
 * inserted once, and each rollout is driven under one claim.
 */
export function startWorker(): void {
  if (g.flightdeckWorker || !runsWorker()) return;
  log().info({ engineTickMs: ENGINE_TICK_MS, tickMs: TICK_MS }, "Worker loops started");
  let ticks = 0;
  let running = false;
  const tick = async () => {
    if (running) return; // a slow tick is never overlapped by the next
    running = true;
    try {
      const started = Date.now();
      const synced = await attempt("fleet sync", async () => {
        const report = await syncFleet();
        // null: another worker holds the sync this tick; its metrics say how current it is.
        if (report) clustersSynced(report.current, Date.now());
      });
      if (synced) loopTicked("fleet", started);
      if (ticks % SLI_EVERY_TICKS === 0) {
        const sloStarted = Date.now();
        await attempt("SLI feed", () => feedSliMinutes());
        // Budgets and burn-rate alerts follow every feed: alerts fire within a tick of the data.
        const evaluated = await attempt("SLO evaluation", () =>
          timed(
            (s) => sloEvaluationDuration.observe(s),
            () => evaluateSlos(),
          ),
        );
        if (evaluated) loopTicked("slo", sloStarted);
      }
      ticks += 1;
    } finally {
      running = false;
    }
  };
  void tick();
  g.flightdeckWorker = setInterval(() => void tick(), TICK_MS);
  g.flightdeckWorker.unref();

  // The rollout engine: each rollout is driven under a claim (a lease on its row), so with
  // several workers exactly one drives it at a time, and a step interrupted by a crash is
  // finished, not redone.
  let driving = false;
  const drive = async () => {
    if (driving) return;
    driving = true;
    try {
      const started = Date.now();
      if (await attempt("rollout engine", () => driveRollouts())) loopTicked("engine", started);
    } finally {
      driving = false;
    }
  };
  g.flightdeckEngine = setInterval(() => void drive(), ENGINE_TICK_MS);
  g.flightdeckEngine.unref();

  // Region drains and failovers: each is driven under a lease on its row.
  let draining = false;
  const drainTick = async () => {
    if (draining) return;
    draining = true;
    try {
      const started = Date.now();
      if (await attempt("drain engine", () => driveDrains())) loopTicked("drains", started);
    } finally {
      draining = false;
    }
  };
  g.flightdeckDrains = setInterval(() => void drainTick(), DRAIN_TICK_MS);
  g.flightdeckDrains.unref();

  // Notifications: each delivery is sent under a lease, so with several workers one sends it.
  let notifying = false;
  const notifyTick = async () => {
    if (notifying) return;
    notifying = true;
    try {
      await attempt("freeze announcements", () => announceFreezes());
      await attempt("notifications", () => deliverNotifications());
    } finally {
      notifying = false;
    }
  };
  g.flightdeckNotifier = setInterval(() => void notifyTick(), NOTIFY_TICK_MS);
  g.flightdeckNotifier.unref();
}
