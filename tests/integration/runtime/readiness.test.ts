// /api/health/ready: the database answers, its migrations are this build's, and a worker's
// loops are ticking. /api/health/live never looks outside the process.
import { afterEach, describe, expect, it } from "vitest";
import { GET as live } from "../../../src/app/api/health/live/route";
import { GET as ready } from "../../../src/app/api/health/ready/route";
import { db } from "../../../src/server/db/client";
import { loopTicked } from "../../../src/lib/telemetry/metrics";
import { LOOP_DEADLINES_MS, readiness } from "../../../src/server/fleet/readiness";
import { withUnreachableDatabase } from "../../support/db";

const saved = process.env.FLIGHTDECK_ROLE;
afterEach(() => {
  if (saved === undefined) delete process.env.FLIGHTDECK_ROLE;
  else process.env.FLIGHTDECK_ROLE = saved;
});

describe("readiness", () => {
  it("is ready on a migrated database; a web process has no worker check", async () => {
    process.env.FLIGHTDECK_ROLE = "web";
    const res = await ready();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      role: "web",
      checks: { database: { status: "ok" }, migrations: { status: "ok" } },
    });
  });

  it("a worker is ready only while every loop has passed recently", async () => {
    process.env.FLIGHTDECK_ROLE = "worker";
    const now = Date.now();
    for (const loop of ["engine", "fleet", "slo"] as const) loopTicked(loop, now, now);
    expect((await readiness(now)).status).toBe("ready");
    const later = now + LOOP_DEADLINES_MS.engine! + 1;
    const report = await readiness(later);
    expect(report.status).toBe("not_ready");
    expect(report.checks.worker).toEqual({
      status: "failing",
      reason: "no recent pass of: engine, fleet",
    });
  });

  it("is not ready while a shipped migration is not applied, and says to run flightdeck migrate", async () => {
    process.env.FLIGHTDECK_ROLE = "web";
    const [latest] = await db().$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1`,
    );
    await db().$executeRawUnsafe(
      `DELETE FROM "_prisma_migrations" WHERE migration_name = $1`,
      latest!.migration_name,
    );
    const res = await ready();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "not_ready",
      checks: {
        database: { status: "ok" },
        migrations: {
          status: "failing",
          reason: `1 migration(s) not applied (first: ${latest!.migration_name}): run flightdeck migrate`,
        },
      },
    });
  });

  it("is not ready while the process drains before stopping", async () => {
    process.env.FLIGHTDECK_ROLE = "web";
    const g = globalThis as { flightdeckDraining?: boolean };
    g.flightdeckDraining = true;
    try {
      const res = await ready();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: "not_ready",
        checks: { database: { status: "ok" }, draining: { status: "failing", reason: "stopping" } },
      });
    } finally {
      delete g.flightdeckDraining;
    }
    expect(((await (await ready()).json()) as { checks: object }).checks).not.toHaveProperty(
      "draining",
    );
  });

  it("liveness answers without the database, where readiness does not", async () => {
    // a client (and its pool) of a database that does not answer, as db() would hold in an outage
    await withUnreachableDatabase(async () => {
      const res = live();
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "live" });
      const notReady = await ready();
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        checks: { database: { status: "failing", reason: "the database does not answer" } },
      });
    });
  });
});
