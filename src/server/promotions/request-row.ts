import "server-only";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import type { Prisma } from "@/server/db/client";
import { db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { evaluatePromotionGates, type GateReport } from "@/server/promotions/gates";

/**
 * Approving may start a release, which reads the platform inside the transaction; edits and
 * withdrawals may wait for such a transaction's row lock.
 */
export const TX_OPTIONS = { timeout: 30_000, maxWait: 10_000 } as const;

const LOCKED_SELECT = {
  id: true,
  number: true,
  status: true,
  version: true,
  tier: true,
  regions: true,
  fix: true,
  justification: true,
  requiredApprovals: true,
  requestedById: true,
  releaseId: true,
  blockedReason: true,
  updatedAt: true,
  model: {
    select: {
      id: true,
      name: true,
      teamId: true,
      evalThresholds: true,
      resources: true,
      rolloutPlan: true,
    },
  },
  modelVersion: { select: { id: true, version: true, imageDigest: true, evalMetrics: true } },
  approvals: {
    select: {
      approverId: true,
      decision: true,
      asAdmin: true,
      approver: { select: { name: true, email: true } },
    },
  },
} as const;

export type LockedRequest = Prisma.PromotionRequestGetPayload<{ select: typeof LOCKED_SELECT }>;

/** Locks the request row for this transaction and reads it. */
export async function lockRequest(tx: Tx, id: string): Promise<LockedRequest> {
  await lockRow(tx, "PromotionRequest", id);
  const row = await tx.promotionRequest.findUnique({ where: { id }, select: LOCKED_SELECT });
  if (!row) throw new AppError("NOT_FOUND", "No such promotion request.");
  return row;
}

/** An admin approved: for a fix, that overrides an exhausted, enforced error budget. */
export function adminApproved(
  approvals: readonly { decision: string; asAdmin: boolean }[],
): boolean {
  return approvals.some((a) => a.decision === "approve" && a.asAdmin);
}

export function gateSubject(row: LockedRequest, admin: boolean) {
  return {
    model: row.model,
    version: row.modelVersion,
    tier: row.tier,
    regions: row.regions,
    fix: row.fix,
    justification: row.justification,
    adminApproved: admin,
  };
}

/**
 * Gates read the registry, the fleet and the metrics source, which must not happen while the
 * request's row is locked (other deciders would queue behind slow metrics). So when an action
 * may start the release, the gates are judged first, unlocked; the locked transaction reuses
 * the report when the request is still as it was read (same version and admin approvals).
 */
export async function judgeBeforeLocking(
  requestId: string,
  willStart: (row: LockedRequest) => boolean,
  admin: (row: LockedRequest) => boolean,
): Promise<PreJudged | null> {
  const row = await db().promotionRequest.findUnique({
    where: { id: requestId },
    select: LOCKED_SELECT,
  });
  if (!row || !willStart(row)) return null;
  const a = admin(row);
  return {
    version: row.version,
    adminApproved: a,
    report: await evaluatePromotionGates(gateSubject(row, a)),
  };
}

export interface PreJudged {
  version: number;
  adminApproved: boolean;
  report: GateReport;
}

/** The request changed since the user read it: say how, so they can look again. */
export function assertCurrent(row: LockedRequest, seen: number): void {
  const what =
    row.status === "withdrawn"
      ? "was withdrawn"
      : row.status === "rejected"
        ? "was rejected"
        : row.status === "started"
          ? "was approved and started"
          : row.status === "approved"
            ? "was approved"
            : "was changed";
  assertVersion(
    row.version,
    seen,
    `Request #${row.number} ${what} while you were looking at it; nothing was recorded. Review it again.`,
  );
}
