import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/tx";
import { clock } from "@/lib/clock";

export interface AuditInput {
  /** defaults to the clock's time (lib/clock) */
  at?: Date;
  actorId?: string | null;
  actorEmail?: string | null;
  actorRole?: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  outcome: "allowed" | "denied";
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
  reason?: string | null;
  requestId?: string | null;
  clientIp?: string | null;
}

/**
 * Appends one audit event; pass the transaction client so it commits with the change. It is
 * stamped with the clock's time (not the database's), so that rules reading the log back (the
 * sign-in limits, double-click checks) and tests that move the clock agree on when it happened.
 */
export async function appendAudit(client: Db, event: AuditInput): Promise<void> {
  await client.auditEvent.create({ data: { at: clock.now(), ...event } });
}
