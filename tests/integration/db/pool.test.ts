// The connection pool against a real PostgreSQL: a connection that dies inside a transaction
// does not leak (it used to, until the pool was empty and the app needed a restart), a busy
// pool makes a transaction wait rather than fail, and running out of time is "busy, try again".
import { afterEach, describe, expect, it } from "vitest";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { createPool } from "@/server/db/pool";
import { DATABASE_DEFAULTS, type DatabaseSettings } from "@/server/db/settings";
import { databaseUnavailable } from "@/server/errors";
import { exposition } from "@/lib/telemetry/metrics";
import { withDatabasePriority } from "@/lib/db/priority";
import { db } from "@/server/db/client";

const url = () => process.env.DATABASE_URL ?? "";
const clients: PrismaClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.$disconnect()));
});

/** A client as db() makes it, on a pool of its own. */
function client(settings: Partial<DatabaseSettings>): PrismaClient {
  const s = { ...DATABASE_DEFAULTS, ...settings };
  const prisma = new PrismaClient({
    adapter: new PrismaPg(createPool(url(), s), { disposeExternalPool: true }),
    transactionOptions: { maxWait: s.connectionWaitMs, timeout: s.transactionTimeoutMs },
  });
  clients.push(prisma);
  return prisma;
}

/** Ends every other session on this database, as a PostgreSQL restart does. */
async function terminateOthers(): Promise<void> {
  const admin = new pg.Client({ connectionString: url() });
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
  } finally {
    await admin.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitCount(): Promise<number> {
  const { body } = await exposition();
  const line = body
    .split("\n")
    .find((l) => l.startsWith('flightdeck_db_pool_wait_seconds_count{outcome="ok"}'));
  return Number(line?.split(" ")[1] ?? 0);
}

describe("the connection pool", () => {
  it("gives back a connection that died inside a transaction", async () => {
    const prisma = client({ poolSize: 1, connectionWaitMs: 2_000 });
    const failed = await prisma
      .$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await terminateOthers();
        await sleep(100);
        await tx.$queryRaw`SELECT 1`;
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(databaseUnavailable(failed)?.code).toBe("UNAVAILABLE");
    // The pool's one connection is free again: the next query opens a new one at once.
    const started = Date.now();
    expect(await prisma.$queryRaw<{ x: number }[]>`SELECT 1 AS x`).toEqual([{ x: 1 }]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("recovers from a query whose connection was cut", async () => {
    const prisma = client({ poolSize: 2, connectionWaitMs: 2_000 });
    const running = prisma.$queryRaw`SELECT pg_sleep(2)`.then(
      () => null,
      (error: unknown) => error,
    );
    await sleep(200);
    await terminateOthers();
    expect(databaseUnavailable(await running)?.code).toBe("UNAVAILABLE");
    expect(await prisma.$queryRaw<{ x: number }[]>`SELECT 1 AS x`).toEqual([{ x: 1 }]);
  });

  it("makes a transaction wait for a busy pool longer than Prisma's 2 s, and counts the wait", async () => {
    const prisma = client({ poolSize: 1 });
    const before = await waitCount();
    const holder = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await sleep(2_500);
    });
    await sleep(100);
    const started = Date.now();
    await prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`);
    expect(Date.now() - started).toBeGreaterThan(2_000);
    await holder;
    expect(await waitCount()).toBe(before + 1);
  });

  it("answers busy, not an internal error, when the wait runs out", async () => {
    const prisma = client({ poolSize: 1, connectionWaitMs: 300 });
    const holder = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await sleep(1_000);
    });
    await sleep(100);
    const query = await prisma.$queryRaw`SELECT 1`.then(
      () => null,
      (error: unknown) => error,
    );
    const transaction = await prisma
      .$transaction(async (tx) => tx.$queryRaw`SELECT 1`)
      .then(
        () => null,
        (error: unknown) => error,
      );
    await holder;
    expect(databaseUnavailable(query)?.code).toBe("UNAVAILABLE");
    expect(databaseUnavailable(transaction)?.code).toBe("UNAVAILABLE");
  });

  it("serves a person's change ahead of page reads when the pool is saturated", async () => {
    // db() as the app uses it, on a pool of one connection (its lane has 2).
    process.env.DATABASE_POOL_SIZE = "1";
    // Page reads hold the pool's one connection and queue behind it.
    const holder = db().$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await sleep(1_500);
    });
    await sleep(100);
    const started = Date.now();
    // In the same moment as more page reads (Prisma dispatches them together), the change, its
    // transaction and a read beside that transaction take the lane's connections.
    const reads = [1, 2, 3].map(() => db().user.findFirst({ select: { id: true } }));
    await withDatabasePriority(async () => {
      await db().user.findFirst({ select: { id: true } });
      await db().$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await db().$queryRaw`SELECT 1`;
      });
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    await Promise.all([holder, ...reads]);
  });

  it("cancels a statement past its timeout, as busy", async () => {
    const prisma = client({ statementTimeoutMs: 200 });
    const error = await prisma.$queryRaw`SELECT pg_sleep(1)`.then(
      () => null,
      (e: unknown) => e,
    );
    expect(databaseUnavailable(error)?.code).toBe("UNAVAILABLE");
  });
});
