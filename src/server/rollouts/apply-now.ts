import "server-only";
import { driveRollout } from "@/server/rollouts/engine";

/** After a change commits, let the engine apply it to the platform now rather than next tick. */
export async function applyStartedRollouts(ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await driveRollout(id);
    } catch (error) {
      // The worker retries; the change itself is committed and audited.
      console.error(`[rollouts] applying ${id} now failed; the worker will retry:`, error);
    }
  }
}
