import "server-only";
import { withTimeout } from "@/lib/platform/types";
import { db } from "@/server/db/client";
import { readMigrations, statusOf, type MigrationFile } from "@/lib/db/migrations";
import { log } from "@/lib/telemetry/log";
import { loopTicks } from "@/lib/telemetry/metrics";
import { runsWorker } from "@/lib/config/role";

type Check = { status: "ok" } | { status: "failing"; reason: string };

export interface Readiness {
  status: "ready" | "not_ready";
  role: string;
  checks: { database: Check; migrations: Check; worker?: Check; draining?: Check };
}

/** How old each loop's last completed pass may be before the worker is not ready. */
export const LOOP_DEADLINES_MS: Record<string, number> = {
  engine: 60_000,
  fleet: 60_000,
  slo: 120_000,
};

let shipped: MigrationFile[] | null = null;

async function databaseChecks(): Promise<{ database: Check; migrations: Check }> {
  let rows: { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }[];
  try {
    rows = await withTimeout(
      "readiness database check",
      2_000,
      db().$queryRawUnsafe<typeof rows>(
        `SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`,
      ),
    );
  } catch (error) {
    const message = (error as Error).message;
    log().warn({ err: error }, "Readiness: the database check failed");
    if (message.includes("_prisma_migrations") && message.includes("does not exist")) {
      return {
        database: { status: "ok" },
        migrations: { status: "failing", reason: "no migrations applied: run flightdeck migrate" },
      };
    }
    return {
      database: { status: "failing", reason: "the database does not answer" },
      migrations: { status: "failing", reason: "unknown while the database does not answer" },
    };
  }
  shipped ??= readMigrations();
  const s = statusOf(shipped, rows);
  if (s.failed.length > 0) {
    return {
      database: { status: "ok" },
      migrations: {
        status: "failing",
        reason: `migration ${s.failed[0]} started and never finished`,
      },
    };
  }
  if (s.pending.length > 0) {
    return {
      database: { status: "ok" },
      migrations: {
        status: "failing",
        reason: `${s.pending.length} migration(s) not applied (first: ${s.pending[0]}): run flightdeck migrate`,
      },
    };
  }
  // Applied migrations this build does not know mean a newer version migrated first, as in a
  // rolling upgrade: additive migrations keep the older replicas working, so they stay ready.
  return { database: { status: "ok" }, migrations: { status: "ok" } };
}

function workerCheck(now: number): Check {
  const ticks = loopTicks();
  const late = Object.entries(LOOP_DEADLINES_MS)
    .filter(([loop, deadline]) => {
      const at = ticks.get(loop);
      return at === undefined || now - at > deadline;
    })
    .map(([loop]) => loop);
  return late.length === 0
    ? { status: "ok" }
    : { status: "failing", reason: `no recent pass of: ${late.join(", ")}` };
}

export async function readiness(now = Date.now()): Promise<Readiness> {
  const role = process.env.FLIGHTDECK_ROLE ?? "all";
  // Stopping (SIGTERM): no new traffic, whatever the checks say.
  if ((globalThis as { flightdeckDraining?: boolean }).flightdeckDraining) {
    return {
      status: "not_ready",
      role,
      checks: { ...(await databaseChecks()), draining: { status: "failing", reason: "stopping" } },
    };
  }
  const checks: Readiness["checks"] = await databaseChecks();
  if (runsWorker()) checks.worker = workerCheck(now);
  const ready = Object.values(checks).every((c) => c.status === "ok");
  return { status: ready ? "ready" : "not_ready", role, checks };
}
