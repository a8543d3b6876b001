import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { withTimeout, type AdapterHealth } from "@/lib/platform/types";
import { fleetPlatform, metricsSource, PLATFORMS } from "@/server/fleet/platform";

export interface HealthReport {
  status: "ok" | "degraded" | "down";
  checks: {
    database: { status: "ok" | "down"; latencyMs?: number; error?: string };
    platform: Omit<AdapterHealth, "checkedAt"> & { checkedAt: string };
  };
}

/**
 * The readiness report behind GET /api/health. The database check is a round trip with a
 * deadline; the platform check is the active metrics source's own health (the simulator is
 * healthy while it has deployments to simulate; Prometheus while it answers queries).
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

  const adapter = process.env.FLIGHTDECK_PLATFORM || "simulator";
  let platform: HealthReport["checks"]["platform"];
  if (!(PLATFORMS as readonly string[]).includes(adapter)) {
    platform = {
      adapter,
      status: "down",
      detail: `Unknown FLIGHTDECK_PLATFORM "${adapter}"; supported: ${PLATFORMS.join(", ")}`,
      checkedAt: clock.now().toISOString(),
    };
  } else if (adapter === "kubernetes") {
    const h = await withTimeout("platform health", 3_000, fleetPlatform().health()).catch(
      (error: unknown): AdapterHealth => ({
        adapter,
        status: "down",
        detail: error instanceof Error ? error.message : "unavailable",
        checkedAt: clock.now(),
      }),
    );
    platform = { ...h, checkedAt: h.checkedAt.toISOString() };
  } else {
    const h = await withTimeout("platform health", 3_000, metricsSource().health()).catch(
      (error: unknown): AdapterHealth => ({
        adapter: process.env.PROMETHEUS_URL ? "prometheus" : "simulator",
        status: "down",
        detail: error instanceof Error ? error.message : "unavailable",
        checkedAt: clock.now(),
      }),
    );
    platform = { ...h, checkedAt: h.checkedAt.toISOString() };
  }
  const status = database.status === "down" ? "down" : platform.status === "ok" ? "ok" : "degraded";
  return { status, checks: { database, platform } };
}

export interface HealthSummary {
  status: HealthReport["status"];
  checks: { database: { status: string }; platform: { status: string } };
}

/** What anonymous callers see: up or down per check, no addresses or error text. */
export function healthSummary(report: HealthReport): HealthSummary {
  return {
    status: report.status,
    checks: {
      database: { status: report.checks.database.status },
      platform: { status: report.checks.platform.status },
    },
  };
}
