import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { db } from "@/server/db/client";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import { advisoryLock, LOCKS, tryAdvisoryLock } from "@/server/db/locks";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

/** Runs `hold` in a transaction that keeps its locks until `release` is called. */
function holding(hold: (tx: Tx) => Promise<void>) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let ready!: () => void;
  const held = new Promise<void>((r) => (ready = r));
  const done = db().$transaction(async (tx) => {
    await hold(tx);
    ready();
    await released;
  });
  return { held, release: async () => (release(), done) };
}

describe("the transaction toolkit", () => {
  it("locks a row by id or by name, and says when there is none", async () => {
    const env = await prisma.environment.findFirstOrThrow({ select: { id: true, name: true } });
    await db().$transaction(async (tx) => {
      expect(await lockRow(tx, "Environment", env.id)).toBe(env.id);
      expect(await lockRow(tx, "Environment", { name: env.name })).toBe(env.id);
      expect(await lockRow(tx, "Environment", "no-such-id")).toBeNull();
      expect(await lockRow(tx, "Model", { name: "no-such-model" })).toBeNull();
    });
  });

  it("skips a row another transaction holds, when asked to", async () => {
    const env = await prisma.environment.findFirstOrThrow({ select: { id: true } });
    const other = holding(async (tx) => {
      await lockRow(tx, "Environment", env.id);
    });
    await other.held;
    try {
      await db().$transaction(async (tx) => {
        expect(await lockRow(tx, "Environment", env.id, { skipLocked: true })).toBeNull();
      });
    } finally {
      await other.release();
    }
    await db().$transaction(async (tx) => {
      expect(await lockRow(tx, "Environment", env.id, { skipLocked: true })).toBe(env.id);
    });
  });

  it("takes an advisory lock only when nobody holds it", async () => {
    const other = holding(async (tx) => {
      await advisoryLock(tx, LOCKS.chaos("latency_injection", "tx-test"));
    });
    await other.held;
    try {
      await db().$transaction(async (tx) => {
        expect(await tryAdvisoryLock(tx, LOCKS.chaos("latency_injection", "tx-test"))).toBe(false);
        expect(await tryAdvisoryLock(tx, LOCKS.chaos("node_failure", "tx-test"))).toBe(true);
      });
    } finally {
      await other.release();
    }
  });

  it("refuses a change decided on a stale version", () => {
    expect(() => assertVersion(3, 3, "changed")).not.toThrow();
    expect(() => assertVersion(4, 3, "It changed meanwhile.")).toThrow(
      expect.objectContaining({ code: "CONFLICT", message: "It changed meanwhile." }),
    );
  });
});
