import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/tx";

export interface AuditInput {
  /** defaults to the database's clock */
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

/** Appends one audit event; pass the transaction client so it commits with the change. */
export async function appendAudit(client: Db, event: AuditInput): Promise<void> {
  await client.auditEvent.create({ data: event });
}
