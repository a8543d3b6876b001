import "server-only";
import { db, type PrismaClient } from "@/server/db/client";

/** Failed sign-ins allowed per account and per client address within the window. */
export const SIGN_IN_LIMITS = { perUser: 5, perIp: 20, windowMinutes: 15 } as const;

/**
 * Counts recent refused sign-ins from the audit log (shared by every replica), so the limit
 * holds behind a load balancer. Returns a message to show, or null when sign-in may proceed.
 */
export async function signInThrottle(
  email: string,
  clientIp: string | null,
  client: Pick<PrismaClient, "auditEvent"> = db(),
): Promise<string | null> {
  const since = new Date(Date.now() - SIGN_IN_LIMITS.windowMinutes * 60_000);
  const denied = { action: "auth.sign_in", outcome: "denied" as const, at: { gte: since } };
  const [byUser, byIp] = await Promise.all([
    client.auditEvent.findMany({
      where: { ...denied, actorEmail: email },
      orderBy: { at: "asc" },
      select: { at: true },
      take: SIGN_IN_LIMITS.perUser * 4,
    }),
    clientIp ? client.auditEvent.count({ where: { ...denied, clientIp } }) : Promise.resolve(0),
  ]);
  const minutes = SIGN_IN_LIMITS.windowMinutes;
  if (byUser.length >= SIGN_IN_LIMITS.perUser) {
    const oldest = byUser[byUser.length - SIGN_IN_LIMITS.perUser]?.at ?? since;
    const wait = Math.max(
      1,
      Math.ceil((oldest.getTime() + minutes * 60_000 - Date.now()) / 60_000),
    );
    return `Too many failed sign-ins for this account. Try again in ${wait} minute${wait === 1 ? "" : "s"}.`;
  }
  if (byIp >= SIGN_IN_LIMITS.perIp) {
    return `Too many failed sign-ins from your network address. Try again in ${minutes} minutes.`;
  }
  return null;
}
