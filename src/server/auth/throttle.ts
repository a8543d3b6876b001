import "server-only";
import { clock } from "@/lib/clock";
import { db, Prisma, type PrismaClient } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { ShedSignIns } from "@/lib/net/sign-in-gate";
import {
  COUNTED_FAILURES,
  SIGN_IN_LIMITS,
  signInThrottle,
  type SignInFailureCounts,
} from "@/lib/domain/access/sign-in-throttle";

/**
 * Recent password failures for an account and an address, counted from the audit log (shared
 * by every replica, so the limit holds behind a load balancer) in one indexed read.
 */
export async function signInFailureCounts(
  email: string,
  clientIp: string | null,
  now: Date,
  client: Pick<PrismaClient, "$queryRaw"> = db(),
): Promise<SignInFailureCounts> {
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  const rows = await client.$queryRaw<
    {
      accountAddress: number;
      account: number;
      address: number;
      oldestAccountAddress: Date | null;
      oldestAddress: Date | null;
    }[]
  >`
    SELECT
      count(*) FILTER (WHERE "actorEmail" = ${email} AND "clientIp" IS NOT DISTINCT FROM ${clientIp})::int AS "accountAddress",
      count(*) FILTER (WHERE "actorEmail" = ${email})::int AS "account",
      count(*) FILTER (WHERE "clientIp" = ${clientIp})::int AS "address",
      min(at) FILTER (WHERE "actorEmail" = ${email} AND "clientIp" IS NOT DISTINCT FROM ${clientIp}) AS "oldestAccountAddress",
      min(at) FILTER (WHERE "clientIp" = ${clientIp}) AS "oldestAddress"
    FROM "AuditEvent"
    WHERE action = 'auth.sign_in' AND outcome = 'denied'
      AND reason IN (${Prisma.join([...COUNTED_FAILURES])})
      AND at >= ${since}
      AND ("actorEmail" = ${email} OR "clientIp" = ${clientIp})`;
  const row = rows[0];
  return {
    accountAddress: row?.accountAddress ?? 0,
    account: row?.account ?? 0,
    address: row?.address ?? 0,
    oldestAccountAddress: row?.oldestAccountAddress ?? null,
    oldestAddress: row?.oldestAddress ?? null,
  };
}

/**
 * Password checks running in this process, per account and address and per address. Counted
 * with the failures, so parallel guesses cannot all slip under a limit before any is written.
 */
export class InFlightSignIns {
  private readonly byKey = new Map<string, number>();

  private bump(key: string, by: number) {
    const n = (this.byKey.get(key) ?? 0) + by;
    if (n <= 0) this.byKey.delete(key);
    else this.byKey.set(key, n);
  }

  count(email: string, clientIp: string | null) {
    return {
      accountAddress: this.byKey.get(`a:${email}|${clientIp ?? ""}`) ?? 0,
      address: clientIp ? (this.byKey.get(`i:${clientIp}`) ?? 0) : 0,
    };
  }

  /** Registers one attempt; call the returned function once it is decided. */
  begin(email: string, clientIp: string | null): () => void {
    const keys = [`a:${email}|${clientIp ?? ""}`, ...(clientIp ? [`i:${clientIp}`] : [])];
    for (const k of keys) this.bump(k, 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      for (const k of keys) this.bump(k, -1);
    };
  }
}

/** This process's password checks in progress. */
export const inFlightSignIns = new InFlightSignIns();

/** The message to show before trying a password, or null when the attempt may proceed. */
export async function signInThrottleMessage(
  email: string,
  clientIp: string | null,
  now = clock.now(),
): Promise<string | null> {
  const counts = await signInFailureCounts(email, clientIp, now);
  const decision = signInThrottle(counts, inFlightSignIns.count(email, clientIp), now);
  return decision.throttled ? decision.message : null;
}

/**
 * One audit row for the sign-in requests the web server refused at the door in the last
 * minute (too many in flight from one address): a flood writes one row, not thousands.
 */
export async function recordShedSignIns(shed: ShedSignIns): Promise<void> {
  await appendAudit(db(), {
    actorRole: "system",
    action: "auth.sign_in",
    targetType: "session",
    outcome: "denied",
    reason: `shed: ${shed.refused} sign-in request${shed.refused === 1 ? "" : "s"} refused at once in a minute (too many in flight from one address)`,
    clientIp: shed.topAddress,
    after: { refused: shed.refused, addresses: shed.addresses, fromTopAddress: shed.topCount },
  });
}
