import { NextResponse } from "next/server";

export const dynamic = "force-dynamic";

/**
 * Liveness: the process is serving requests. It touches nothing outside the process, so a
 * database outage never gets healthy replicas restarted (readiness says that instead).
 */
export function GET() {
  return NextResponse.json(
    {
      status: "live",
      role: process.env.FLIGHTDECK_ROLE ?? "all",
      uptimeSeconds: Math.round(process.uptime()),
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}
