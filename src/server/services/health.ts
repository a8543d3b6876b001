import "server-only";
import { db } from "@/server/db/client";
import { withTimeout, type AdapterHealth } from "@/lib/platform/types";

export interface HealthReport {
  status: "ok" | "degraded" | "down";
  checks: {
    database: { status: "ok" | "down"; latencyMs?: number; error?: string };
    platform: Omit<AdapterHealth, "checkedAt"> & { checkedAt: string };
  };
}

/**
 * The readiness report behind GET /api/health. The database check is a round trip with a
 * deadline. The built-in simulator platform models the fleet stored in the database, so its
 * check is that a fleet is present there.
 */
export async function healthReport(): Promise<HealthReport> {
  const started = performance.now();
  let database: HealthReport["checks"]["database"];
  try {
    await withTimeout("database ping", 2_000, db().$queryRaw`SELECT 1`);
    database = { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch {
    database = { status: "down", error: "PostgreSQL did not answer" };
  }

  const adapter = process.env.FLIGHTDECK_PLATFORM ?? "simulator";
  let platform: HealthReport["checks"]["platform"];
  if (adapter !== "simulator") {
    platform = {
      adapter,
      status: "down",
      detail: `Unknown FLIGHTDECK_PLATFORM "${adapter}"; supported: simulator`,
      checkedAt: new Date().toISOString(),
    };
  } else if (database.status === "down") {
    platform = {
      adapter,
      status: "down",
      detail: "The simulator keeps its fleet in the database, which is unreachable",
      checkedAt: new Date().toISOString(),
    };
  } else {
    const clusters = await withTimeout("fleet count", 2_000, db().cluster.count()).catch(() => -1);
    platform = {
      adapter,
      status: clusters > 0 ? "ok" : "degraded",
      detail: clusters > 0 ? `${clusters} clusters in the simulated fleet` : "No fleet loaded yet",
      checkedAt: new Date().toISOString(),
    };
  }
  const status = database.status === "down" ? "down" : platform.status === "ok" ? "ok" : "degraded";
  return { status, checks: { database, platform } };
}
