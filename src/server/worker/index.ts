import "server-only";
import { feedSliMinutes } from "@/server/services/sli-feed";

const g = globalThis as unknown as { flightdeckWorker?: NodeJS.Timeout };

/**
 * Background loops, started once per server process. Work is made exactly-once by PostgreSQL
 * (unique keys and advisory locks), so several replicas never apply the same work twice.
 */
export function startWorker(): void {
  if (g.flightdeckWorker || process.env.FLIGHTDECK_WORKER === "0") return;
  const tick = async () => {
    try {
      await feedSliMinutes();
    } catch (error) {
      console.error(
        "[worker] SLI feed failed; retrying next tick:",
        error instanceof Error ? error.message : error,
      );
    }
  };
  void tick();
  g.flightdeckWorker = setInterval(() => void tick(), 15_000);
  g.flightdeckWorker.unref();
}
