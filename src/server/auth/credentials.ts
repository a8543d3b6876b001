import "server-only";
import { clock } from "@/lib/clock";
import { CredentialsSignin } from "next-auth";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/bcrypt";
import { z } from "zod";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { demoMode } from "@/server/demo-mode";
import { inFlightSignIns as inFlight, signInFailureCounts } from "@/server/auth/throttle";
import { PASSWORD_HASH_COST } from "@/lib/domain/access/passwords";
import { signInThrottle } from "@/lib/domain/access/sign-in-throttle";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(200),
});

export class InvalidCredentials extends CredentialsSignin {
  code = "invalid_credentials";
}

// A hash of a random string at the same cost: unknown emails take as long as known ones.
let decoyHash: Promise<string> | undefined;
const decoy = () => (decoyHash ??= hash(randomBytes(16).toString("hex"), PASSWORD_HASH_COST));

/**
 * bcrypt is deliberately slow. It runs natively on libuv's thread pool, never on the event
 * loop, and at most one hash fewer than the machine has cores runs at once (one on two cores),
 * with a bounded queue: a flood beyond that is refused at once, and a core is always left for
 * the event loop, PostgreSQL and the engine, so other requests keep their normal latency. (With
 * every core hashing, a fresh-clone run of the sign-in flood saw a health check take 1.6 s.)
 */
const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);
const HASH_QUEUE = 32;
let hashing = 0;
const waiting: (() => void)[] = [];

class SignInBusy extends Error {}

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashing >= HASH_CONCURRENCY) {
    if (waiting.length >= HASH_QUEUE) throw new SignInBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    hashing += 1;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter, or free it.
    const next = waiting.shift();
    if (next) next();
    else hashing -= 1;
  }
}

async function audit(
  email: string,
  clientIp: string | null,
  user: { id: string; role: string | null } | null,
  refused: string | null,
) {
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
}

/**
 * Checks an email and password. Every attempt is audited, refused ones with the reason; a
 * throttled attempt is refused without checking the password. No database connection or lock
 * is held while hashing: each step is one short query.
 */
export async function verifyCredentials(
  raw: unknown,
  clientIp: string | null,
  now: () => Date = () => clock.now(),
): Promise<{ id: string; email: string; name: string }> {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidCredentials();
  const { email, password } = parsed.data;

  const counts = await signInFailureCounts(email, clientIp, now());
  // Decided and registered with no await in between, so parallel attempts see each other.
  const throttle = signInThrottle(counts, inFlight.count(email, clientIp), now());
  if (throttle.throttled) {
    await audit(email, clientIp, null, `throttled: ${throttle.scope.replace("_", " and ")}`);
    throw new InvalidCredentials();
  }
  const done = inFlight.begin(email, clientIp);
  try {
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
    let ok: boolean;
    try {
      ok = await withHashSlot(async () => verify(password, user?.passwordHash ?? (await decoy())));
    } catch (error) {
      if (!(error instanceof SignInBusy)) throw error;
      await audit(email, clientIp, user, "busy: too many sign-ins at once");
      throw new InvalidCredentials();
    }
    const refused = !user
      ? "unknown user"
      : !ok || !user.passwordHash
        ? "wrong password"
        : user.disabled
          ? "account disabled"
          : user.demo && !demoMode()
            ? "demo accounts are off (FLIGHTDECK_DEMO is not 1)"
            : null;
    await audit(email, clientIp, user, refused);
    if (refused || !user) throw new InvalidCredentials();
    return { id: user.id, email: user.email, name: user.name };
  } finally {
    done();
  }
}
