import { NextResponse } from "next/server";
import { healthReport } from "@/server/services/health";

export const dynamic = "force-dynamic";

/** Load-balancer health: 200 while the database answers, 503 when it does not. */
export async function GET() {
  const report = await healthReport();
  return NextResponse.json(report, {
    status: report.checks.database.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
