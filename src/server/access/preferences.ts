import "server-only";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { TimeZonePreferenceData } from "@/lib/schemas/preferences";

/**
 * Sets the time zone the signed-in user reads times in (null: UTC). Their own preference, so
 * anyone who may read the fleet sets it; choosing the zone they already have changes nothing.
 */
export async function setTimeZonePreference(
  actor: Actor | null,
  meta: RequestMeta,
  input: TimeZonePreferenceData,
): Promise<{ timeZone: string | null; changed: boolean }> {
  assertAllowed(actor, "fleet.read");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "API tokens have no preferences: sign in as a person.");
  }
  return db().$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({
      where: { id: actor.id },
      select: { timeZone: true },
    });
    if (user.timeZone === input.timeZone) return { timeZone: input.timeZone, changed: false };
    await tx.user.update({ where: { id: actor.id }, data: { timeZone: input.timeZone } });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "user.preferences",
      targetType: "user",
      targetId: actor.id,
      outcome: "allowed",
      before: { timeZone: user.timeZone ?? "UTC" },
      after: { timeZone: input.timeZone ?? "UTC" },
    });
    return { timeZone: input.timeZone, changed: true };
  });
}
