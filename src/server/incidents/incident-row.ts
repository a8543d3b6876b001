import "server-only";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import { db, type Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import {
  type IncidentEvent as IncidentEventName,
  type IncidentStatus,
} from "@/lib/domain/incidents/lifecycle";

/** What the timeline says for each lifecycle event. */
export const EVENT_MESSAGES: Record<IncidentEventName, string> = {
  acknowledge: "Acknowledged",
  investigate: "Status: investigating",
  mitigate: "Status: mitigated",
  resolve: "Status: resolved",
  close: "Status: closed",
  cancel: "Cancelled",
  reopen: "Reopened",
};

export const DETAIL_SELECT = {
  id: true,
  number: true,
  title: true,
  severity: true,
  status: true,
  summary: true,
  version: true,
  affectedModels: true,
  affectedRegions: true,
  linkedSlos: true,
  declaredBy: true,
  source: true,
  commander: true,
  communications: true,
  detectedAt: true,
  acknowledgedAt: true,
  mitigatedAt: true,
  resolvedAt: true,
  closedAt: true,
} as const;

export type IncidentRecord = Prisma.IncidentGetPayload<{ select: typeof DETAIL_SELECT }>;

/** People who can hold an incident role: enabled users who may work incidents. */
export async function incidentPeople(client: Tx | ReturnType<typeof db> = db()) {
  return client.user.findMany({
    where: { disabled: false, role: { in: ["engineer", "admin"] } },
    orderBy: { email: "asc" },
    select: { email: true, name: true },
  });
}

export async function assertKnown(
  kind: string,
  wanted: string[],
  found: string[],
  hint: string,
): Promise<void> {
  const unknown = wanted.filter((w) => !found.includes(w));
  if (unknown.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `Unknown ${kind}${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. ${hint}`,
    );
  }
}

/** Both roles must be people who may work incidents; empty means nobody. */
export async function assertRoleHolders(client: Tx, emails: string[]): Promise<void> {
  const wanted = [...new Set(emails.filter((e) => e !== ""))];
  if (wanted.length === 0) return;
  const people = await client.user.findMany({
    where: { email: { in: wanted }, disabled: false, role: { in: ["engineer", "admin"] } },
    select: { email: true },
  });
  await assertKnown(
    "person",
    wanted,
    people.map((p) => p.email),
    "Incident roles go to engineers or admins with a Flightdeck account.",
  );
}

/** Locks the incident row for this transaction and reads it. */
export async function lockIncident(tx: Tx, id: string): Promise<IncidentRecord> {
  await lockRow(tx, "Incident", id);
  const row = await tx.incident.findUnique({ where: { id }, select: DETAIL_SELECT });
  if (!row) throw new AppError("NOT_FOUND", "No such incident.");
  return row;
}

/** The incident changed since the user read it: nothing is written; they look again. */
export function assertCurrent(row: IncidentRecord, seen: number): void {
  assertVersion(
    row.version,
    seen,
    `Incident #${row.number} changed while you were looking at it (it is now ${row.status}); nothing was recorded. Review it again.`,
  );
}

/** The newest timeline entry, to recognise a double click that already landed. */
async function latestEvent(tx: Tx, incidentId: string) {
  return tx.incidentEvent.findFirst({
    where: { incidentId },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    select: { kind: true, message: true, actor: true },
  });
}

/** The same change by the same person just landed on the version they saw: a double click. */
export async function justDone(
  tx: Tx,
  row: IncidentRecord,
  seen: number,
  actor: Actor,
  kind: string,
  message: string,
): Promise<boolean> {
  if (row.version !== seen + 1) return false;
  const last = await latestEvent(tx, row.id);
  return last?.kind === kind && last.message === message && last.actor === actor.email;
}

export interface IncidentChange {
  number: number;
  status: IncidentStatus;
  version: number;
  /** false when the change had already been made (a double click) */
  changed: boolean;
}
