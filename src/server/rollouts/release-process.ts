import "server-only";
import { freezesNow } from "@/server/promotions/release-windows";
import { clock } from "@/lib/clock";
import { type Tx } from "@/server/db/tx";
import type { Actor } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { isAllowed } from "@/server/access/authorize";
import { directChangeGate, type DirectChange } from "@/lib/domain/rollouts/release-process";

/**
 * The release process for a change made directly (not by a promotion request): environments
 * that take changes only through promotions, and change freezes, refuse it unless an admin
 * pushes a fix with a reason. Returns the override to record, or null.
 */
export async function releaseProcessOverride(
  tx: Tx,
  actor: Actor,
  change: DirectChange,
  environmentNames: string[],
  override: { fix: boolean; reason: string | null },
  now = clock.now(),
): Promise<string | null> {
  const environments = await tx.environment.findMany({
    where: { name: { in: environmentNames } },
    select: { name: true, tier: true, promotionsOnly: true },
  });
  const freezes = await freezesNow(tx, now);
  const gate = directChangeGate({
    change,
    environments,
    freezes,
    now,
    fix: override.fix,
    admin: isAllowed(actor, "policy.override"),
    reason: override.reason,
  });
  if (!gate.allowed) throw new AppError("FORBIDDEN", gate.reason);
  return gate.override;
}
