import "server-only";
import { CredentialsSignin } from "next-auth";
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { z } from "zod";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { demoMode } from "@/server/config";
import { signInThrottle } from "@/server/auth/throttle";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});

export class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

/** bcrypt cost of every stored password (users created by admins and the demo seed). */
export const PASSWORD_HASH_COST = 12;
// A hash of a random string at the same cost: unknown emails take as long as known ones.
let decoyHash: string | undefined;
const decoy = () =>
  (decoyHash ??= bcrypt.hashSync(randomBytes(16).toString("hex"), PASSWORD_HASH_COST));

/**
 * Checks an email and password. Every attempt is audited, refused ones with the reason; a
 * throttled account or address is refused without checking the password at all.
 */
export async function verifyCredentials(
  raw: unknown,
  clientIp: string | null,
): Promise<{ id: string; email: string; name: string }> {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidCredentials();
  const { email, password } = parsed.data;
  // One attempt per account at a time, so parallel guesses cannot all pass the throttle.
  const result = await db().$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`sign-in:${email}`}))`;
      const throttled = await signInThrottle(email, clientIp, tx);
      const user = throttled
        ? null
        : await tx.user.findUnique({
            where: { email },
            select: {
              id: true,
              email: true,
              name: true,
              role: true,
              passwordHash: true,
              disabled: true,
              demo: true,
            },
          });
      const ok = throttled ? false : await bcrypt.compare(password, user?.passwordHash ?? decoy());
      const refused = throttled
        ? "throttled: too many failed sign-ins"
        : !user
          ? "unknown user"
          : !ok || !user.passwordHash
            ? "wrong password"
            : user.disabled
              ? "account disabled"
              : user.demo && !demoMode()
                ? "demo accounts are off (FLIGHTDECK_DEMO=0)"
                : null;
      await appendAudit(tx, {
        actorId: user?.id ?? null,
        actorEmail: email,
        actorRole: user?.role ?? null,
        action: "auth.sign_in",
        targetType: "session",
        outcome: refused ? "denied" : "allowed",
        reason: refused,
        clientIp,
      });
      return { user, refused };
    },
    { timeout: 15_000, maxWait: 15_000 },
  );
  const { user, refused } = result;
  if (refused || !user) throw new InvalidCredentials();
  return { id: user.id, email: user.email, name: user.name };
}
