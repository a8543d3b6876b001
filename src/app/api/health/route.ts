import { NextResponse, type NextRequest } from "next/server";
import { healthReport, healthSummary } from "@/server/fleet/health";
import { getActor } from "@/server/auth/session";
import { authenticateBearer } from "@/server/access/tokens";

export const dynamic = "force-dynamic";

/**
 * Load-balancer health: 200 while the database answers, 503 when it does not. Anonymous
 * callers (load balancers) get each check's status only; the details (adapters, latencies,
 * error text) are for signed-in users with a role and for valid API tokens.
 */
export async function GET(req: NextRequest) {
  const report = await healthReport();
  const authorization = req.headers.get("authorization");
  // Identifying the caller needs the database: when it is down, everyone gets the summary.
  const caller = await (authorization ? authenticateBearer(authorization) : getActor()).catch(
    () => null,
  );
  const detailed = caller !== null && (caller.kind === "token" || caller.role !== null);
  return NextResponse.json(detailed ? report : healthSummary(report), {
    status: report.checks.database.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
