import "server-only";
import { feedSliMinutes } from "@/server/slos/sli-feed";
import { syncFleet } from "@/server/fleet/sync";
import { evaluateSlos } from "@/server/slos/evaluator";
import { driveRollouts } from "@/server/rollouts/engine";

const g = globalThis as unknown as {
  flightdeckWorker?: NodeJS.Timeout;
  flightdeckEngine?: NodeJS.Timeout;
};

/** How often the rollout engine looks for due steps, analysis intervals and timed pauses. */
const ENGINE_TICK_MS = Number(process.env.FLIGHTDECK_ENGINE_TICK_MS ?? 1_000);

const TICK_MS = 5_000;
/** The SLI feed runs every third tick: minute buckets need no finer cadence. */
const SLI_EVERY_TICKS = 3;

async function attempt(name: string, work: () => Promise<unknown>) {
  try {
    await work();
  } catch (error) {
    console.error(
      `[worker] ${name} failed; retrying next tick:`,
      error instanceof Error ? error.message : error,
    );
  }
}

/**
 * Background loops, started once per server process. Work is made exactly-once by PostgreSQL
 * (row locks, unique keys and advisory locks), so several replicas never apply the same work
 * twice: the fleet advances under a row lock, the inventory sync runs on one replica at a
 * time, and each SLI minute is inserted once.
 */
export function startWorker(): void {
  if (g.flightdeckWorker || process.env.FLIGHTDECK_WORKER === "0") return;
  let ticks = 0;
  let running = false;
  const tick = async () => {
    if (running) return; // a slow tick is never overlapped by the next
    running = true;
    try {
      await attempt("fleet sync", () => syncFleet());
      if (ticks % SLI_EVERY_TICKS === 0) {
        await attempt("SLI feed", () => feedSliMinutes());
        // Budgets and burn-rate alerts follow every feed: alerts fire within a tick of the data.
        await attempt("SLO evaluation", () => evaluateSlos());
      }
      ticks += 1;
    } finally {
      running = false;
    }
  };
  void tick();
  g.flightdeckWorker = setInterval(() => void tick(), TICK_MS);
  g.flightdeckWorker.unref();

  // The rollout engine: each rollout is claimed with a row lock, so with several replicas
  // exactly one drives it at a time, and a step interrupted by a crash is finished, not redone.
  let driving = false;
  const drive = async () => {
    if (driving) return;
    driving = true;
    try {
      await attempt("rollout engine", () => driveRollouts());
    } finally {
      driving = false;
    }
  };
  g.flightdeckEngine = setInterval(() => void drive(), ENGINE_TICK_MS);
  g.flightdeckEngine.unref();
}
