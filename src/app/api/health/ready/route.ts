import { NextResponse } from "next/server";
import { readiness } from "@/server/fleet/readiness";

export const dynamic = "force-dynamic";

/**
 * Readiness: the database answers, its migrations are the ones this build ships, and on a
 * worker the background loops are ticking. 503 with the reasons otherwise. Anonymous: it says
 * which check failed, never an error's text (that is in the logs).
 */
export async function GET() {
  const report = await readiness();
  return NextResponse.json(report, {
    status: report.status === "ready" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
