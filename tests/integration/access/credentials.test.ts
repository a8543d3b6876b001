import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { hash } from "@node-rs/bcrypt";
import { connectTestDatabase } from "../../support/db";
import { verifyCredentials } from "@/server/auth/credentials";
import { recordShedSignIns, signInThrottleMessage } from "@/server/auth/throttle";
import { SIGN_IN_LIMITS } from "@/lib/domain/access/sign-in-throttle";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
beforeEach(() => {
  process.env.FLIGHTDECK_DEMO = "1";
});
afterEach(() => {
  process.env.FLIGHTDECK_DEMO = "1";
});

let n = 0;
async function user(data: { disabled?: boolean; demo?: boolean } = {}) {
  const email = `cred-${Date.now()}-${n++}@credentials.test`;
  await prisma.user.create({
    data: {
      email,
      name: "C",
      role: "viewer",
      passwordHash: await hash("right-password", 4),
      ...data,
    },
  });
  return email;
}
const lastReason = async (email: string) =>
  (
    await prisma.auditEvent.findFirst({
      where: { actorEmail: email, action: "auth.sign_in" },
      orderBy: { at: "desc" },
    })
  )?.reason ?? null;
const reasons = async (email: string) =>
  (
    await prisma.auditEvent.findMany({
      where: { actorEmail: email, action: "auth.sign_in" },
      select: { reason: true },
    })
  ).map((e) => e.reason);

/** Failed passwords written straight into the audit log, as earlier attempts would have. */
async function failures(email: string, clientIp: string | null, count: number, at = new Date()) {
  await prisma.auditEvent.createMany({
    data: Array.from({ length: count }, () => ({
      action: "auth.sign_in",
      targetType: "session",
      outcome: "denied" as const,
      actorEmail: email,
      clientIp,
      reason: "wrong password",
      at,
    })),
  });
}

describe("password sign-in", () => {
  it("accepts the right password and audits it", async () => {
    const email = await user();
    await expect(
      verifyCredentials({ email: email.toUpperCase(), password: "right-password" }, "192.0.2.10"),
    ).resolves.toMatchObject({
      email,
    });
    const e = await prisma.auditEvent.findFirstOrThrow({
      where: { actorEmail: email },
      orderBy: { at: "desc" },
    });
    expect(e).toMatchObject({ outcome: "allowed", clientIp: "192.0.2.10" });
  });

  it.each([
    ["a wrong password", {}, "wrong-password", "wrong password"],
    ["a disabled account", { disabled: true }, "right-password", "account disabled"],
  ])("refuses %s and records why", async (_label, data, password, reason) => {
    const email = await user(data);
    await expect(verifyCredentials({ email, password }, null)).rejects.toThrow();
    expect(await lastReason(email)).toBe(reason);
  });

  it("refuses an unknown email the same way", async () => {
    await expect(
      verifyCredentials({ email: "nobody@credentials.test", password: "x" }, null),
    ).rejects.toThrow();
    expect(await lastReason("nobody@credentials.test")).toBe("unknown user");
  });

  it("lets demo users in only in demo mode, which is off unless FLIGHTDECK_DEMO is 1", async () => {
    const email = await user({ demo: true });
    await expect(
      verifyCredentials({ email, password: "right-password" }, null),
    ).resolves.toBeTruthy();
    for (const off of ["0", ""]) {
      process.env.FLIGHTDECK_DEMO = off;
      await expect(
        verifyCredentials({ email, password: "right-password" }, null),
      ).rejects.toThrow();
      expect(await lastReason(email)).toMatch(/demo accounts are off/);
    }
    delete process.env.FLIGHTDECK_DEMO;
    await expect(verifyCredentials({ email, password: "right-password" }, null)).rejects.toThrow();
  });

  it("refuses malformed input without touching the database", async () => {
    const before = await prisma.auditEvent.count();
    await expect(
      verifyCredentials({ email: "not-an-email", password: "" }, null),
    ).rejects.toThrow();
    expect(await prisma.auditEvent.count()).toBe(before);
  });
});

describe("sign-in throttling", () => {
  it("stops guesses from one address without locking the owner out elsewhere", async () => {
    const email = await user();
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAddress; i++) {
      await expect(
        verifyCredentials({ email, password: `guess-${i}` }, "198.51.100.66"),
      ).rejects.toThrow();
    }
    expect(await signInThrottleMessage(email, "198.51.100.66")).toMatch(
      /Too many failed sign-ins for this account from your network address. Try again in 15 minutes/,
    );
    // Even the right password is refused from the guessing address…
    await expect(
      verifyCredentials({ email, password: "right-password" }, "198.51.100.66"),
    ).rejects.toThrow();
    expect(await lastReason(email)).toBe("throttled: account and address");
    // …but not from the owner's.
    expect(await signInThrottleMessage(email, "203.0.113.20")).toBeNull();
    await expect(
      verifyCredentials({ email, password: "right-password" }, "203.0.113.20"),
    ).resolves.toMatchObject({ email });
  });

  it("does not extend the window with refused attempts", async () => {
    const email = await user();
    const ip = "198.51.100.70";
    // Five failures fourteen minutes ago; then a stream of attempts while throttled.
    await failures(email, ip, SIGN_IN_LIMITS.perAccountAddress, new Date(Date.now() - 14 * 60_000));
    for (let i = 0; i < 5; i++) {
      await expect(verifyCredentials({ email, password: `late-${i}` }, ip)).rejects.toThrow();
    }
    expect((await reasons(email)).filter((r) => r?.startsWith("throttled"))).toHaveLength(5);
    // Two minutes later the old failures left the window: the throttled ones never counted.
    const later = () => new Date(Date.now() + 2 * 60_000);
    await expect(
      verifyCredentials({ email, password: "right-password" }, ip, later),
    ).resolves.toMatchObject({ email });
  });

  it("refuses an address that sprays many accounts", async () => {
    const ip = "198.51.100.80";
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) {
      await failures(`spray-${Date.now()}-${i}@x.test`, ip, 1);
    }
    const email = await user();
    expect(await signInThrottleMessage(email, ip)).toMatch(/from your network address/);
    await expect(verifyCredentials({ email, password: "right-password" }, ip)).rejects.toThrow();
    expect(await signInThrottleMessage(email, "198.51.100.81")).toBeNull();
  });

  it("past the account's ceiling, lets only addresses that have not failed try", async () => {
    const email = await user();
    for (let i = 0; i < SIGN_IN_LIMITS.perAccount; i++) {
      await failures(email, `10.9.${Math.floor(i / 4)}.${i % 4}`, 1);
    }
    await failures(email, "203.0.113.90", 1);
    expect(await signInThrottleMessage(email, "203.0.113.90")).toMatch(
      /This account has had many failed sign-ins/,
    );
    await expect(
      verifyCredentials({ email, password: "right-password" }, "203.0.113.90"),
    ).rejects.toThrow();
    await expect(
      verifyCredentials({ email, password: "right-password" }, "203.0.113.91"),
    ).resolves.toMatchObject({ email });
  });

  it("forgets failures outside the window", async () => {
    const email = await user();
    const old = new Date(Date.now() - (SIGN_IN_LIMITS.windowMinutes + 1) * 60_000);
    await failures(email, null, SIGN_IN_LIMITS.perAccountAddress, old);
    expect(await signInThrottleMessage(email, null)).toBeNull();
  });

  it("checks at most the limit's worth of passwords when guesses arrive all at once", async () => {
    const email = await user();
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        verifyCredentials({ email, password: `burst-${i}` }, "198.51.100.99"),
      ),
    );
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    const all = await reasons(email);
    expect(all).toHaveLength(40);
    expect(all.filter((r) => r === "wrong password")).toHaveLength(
      SIGN_IN_LIMITS.perAccountAddress,
    );
    expect(all.filter((r) => r?.startsWith("throttled"))).toHaveLength(
      40 - SIGN_IN_LIMITS.perAccountAddress,
    );
  });
});

describe("sign-ins refused at the door", () => {
  it("are audited as one row a minute, not one each", async () => {
    await recordShedSignIns({
      refused: 195,
      topAddress: "198.51.100.200",
      topCount: 190,
      addresses: 2,
    });
    const row = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "auth.sign_in", clientIp: "198.51.100.200" },
      orderBy: { at: "desc" },
    });
    expect(row).toMatchObject({
      outcome: "denied",
      actorRole: "system",
      reason:
        "shed: 195 sign-in requests refused at once in a minute (too many in flight from one address)",
      after: { refused: 195, addresses: 2, fromTopAddress: 190 },
    });
    // Refusals at the door are not password failures: they never feed the throttle.
    expect(await signInThrottleMessage("anyone@credentials.test", "198.51.100.200")).toBeNull();
  });
});

describe("npm start outside demo mode", () => {
  const start = (env: Record<string, string>) =>
    spawnSync("node_modules/.bin/tsx", ["scripts/flightdeck.ts"], {
      env: { ...process.env, AUTH_SECRET: "", DATABASE_URL: "", ...env },
      encoding: "utf8",
      timeout: 30_000,
    });

  it("refuses to start without AUTH_SECRET, saying what to do", () => {
    const run = start({ FLIGHTDECK_DEMO: "0" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/AUTH_SECRET is required outside demo mode/);
  });

  it("refuses a FLIGHTDECK_DEMO it does not understand", () => {
    const run = start({ FLIGHTDECK_DEMO: "on" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FLIGHTDECK_DEMO must be one of 1, true, yes .* got "on"/);
  });

  it("turns demo mode off when DATABASE_URL is set, and says so in one line", () => {
    const run = start({ FLIGHTDECK_DEMO: "", DATABASE_URL: "postgresql://u@127.0.0.1:1/x" });
    expect(run.stdout).toMatch(/Demo mode is off because DATABASE_URL is set/);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/AUTH_SECRET is required outside demo mode/);
  });

  it("refuses a malformed FLIGHTDECK_TRUSTED_PROXIES", () => {
    const run = start({ FLIGHTDECK_DEMO: "1", FLIGHTDECK_TRUSTED_PROXIES: "10.0.0.0/99" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FLIGHTDECK_TRUSTED_PROXIES must be/);
  });
});
