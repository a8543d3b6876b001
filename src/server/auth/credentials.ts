import "server-only";
import { CredentialsSignin } from "next-auth";
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

// A bcrypt hash of a random string: unknown emails take as long as known ones.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.1QjM3fSlNiGLaCnjPVYYmR7f7GGW";

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
  const throttled = await signInThrottle(email, clientIp);
  if (throttled) throw new InvalidCredentials();
  const user = await db().user.findUnique({
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
  const ok = await bcrypt.compare(password, user?.passwordHash ?? DUMMY_HASH);
  const refused = !user
    ? "unknown user"
    : !ok || !user.passwordHash
      ? "wrong password"
      : user.disabled
        ? "account disabled"
        : user.demo && !demoMode()
          ? "demo accounts are off (FLIGHTDECK_DEMO=0)"
          : null;
  await appendAudit(db(), {
    actorId: user?.id ?? null,
    actorEmail: email,
    actorRole: user?.role ?? null,
    action: "auth.sign_in",
    targetType: "session",
    outcome: refused ? "denied" : "allowed",
    reason: refused,
    clientIp,
  });
  if (refused || !user) throw new InvalidCredentials();
  return { id: user.id, email: user.email, name: user.name };
}
