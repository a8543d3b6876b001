import "server-only";
import { log } from "@/lib/telemetry/log";
import { driveRollout } from "@/server/rollouts/engine";

const inFlight = new Set<Promise<void>>();

/**
 * After a change commits, lets the engine apply it to the platform now rather than at its next
 * tick, in the background: the person who made the change never waits for a slow API server or
 * metrics source (an abort is accepted at once and applied as soon as the cluster answers). When
 * another call holds the rollout's claim, that call applies the change after its current write.
 */
export function applyStartedRollouts(ids: string[]): void {
  if (ids.length === 0) return;
  const work = (async () => {
    for (const id of ids) {
      try {
        await driveRollout(id);
      } catch (error) {
        // The worker retries; the change itself is committed and audited.
        log().error(
          { rolloutId: id, err: error },
          "Applying a rollout command now failed; the worker will retry",
        );
      }
    }
  })();
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
}

/** Resolves once every change handed to `applyStartedRollouts` so far was applied (or failed). */
export async function appliesSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}
