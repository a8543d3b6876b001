import { spawnSync } from "node:child_process";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import bcrypt from "bcryptjs";
import { connectTestDatabase } from "../support/db";
import { verifyCredentials } from "@/server/auth/credentials";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
afterEach(() => {
  delete process.env.FLIGHTDECK_DEMO;
});

let n = 0;
async function user(data: { disabled?: boolean; demo?: boolean } = {}) {
  const email = `cred-${Date.now()}-${n++}@credentials.test`;
  await prisma.user.create({
    data: {
      email,
      name: "C",
      role: "viewer",
      passwordHash: await bcrypt.hash("right-password", 4),
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

  it("lets demo users in only in demo mode", async () => {
    const email = await user({ demo: true });
    await expect(
      verifyCredentials({ email, password: "right-password" }, null),
    ).resolves.toBeTruthy();
    process.env.FLIGHTDECK_DEMO = "0";
    await expect(verifyCredentials({ email, password: "right-password" }, null)).rejects.toThrow();
    expect(await lastReason(email)).toMatch(/demo accounts are off/);
  });

  it("refuses malformed input without touching the database", async () => {
    const before = await prisma.auditEvent.count();
    await expect(
      verifyCredentials({ email: "not-an-email", password: "" }, null),
    ).rejects.toThrow();
    expect(await prisma.auditEvent.count()).toBe(before);
  });
});

describe("npm start outside demo mode", () => {
  it("refuses to start without AUTH_SECRET, saying what to do", () => {
    const env = { ...process.env, FLIGHTDECK_DEMO: "0", AUTH_SECRET: "", DATABASE_URL: "" };
    const run = spawnSync("node_modules/.bin/tsx", ["scripts/flightdeck.ts"], {
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/AUTH_SECRET is required when FLIGHTDECK_DEMO=0/);
  });
});
