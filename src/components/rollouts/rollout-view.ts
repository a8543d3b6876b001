import type { ActionResult } from "@/lib/schemas/result";
import type {
  RollbackInput,
  RolloutCommandInput,
  RolloutDetail,
  RolloutPayload,
  RetryRolloutInput,
} from "@/lib/schemas/rollouts";
import type { Serialized } from "@/lib/schemas/serialized";

/** A rollout as the browser receives it (dates as ISO strings). */
export type RolloutView = Serialized<RolloutDetail>;
export type RolloutPayloadView = Serialized<RolloutPayload>;

type Act<I> = (input: I) => Promise<ActionResult<unknown>>;

export interface RolloutActions {
  pause: Act<RolloutCommandInput>;
  resume: Act<RolloutCommandInput>;
  promote: Act<RolloutCommandInput>;
  promoteFull: Act<RolloutCommandInput>;
  abort: Act<RolloutCommandInput>;
  retry: Act<RetryRolloutInput>;
  rollback: Act<RollbackInput>;
}
