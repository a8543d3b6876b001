import { simulatorExposition, simulatorIsPlatform } from "@/server/fleet/platform";

export const dynamic = "force-dynamic";

/**
 * The simulated fleet's metrics in the Prometheus text exposition format (labels: model,
 * version, region, cluster), so a real Prometheus can scrape the simulator. Simulated data
 * only: unauthenticated, like a model server's own /metrics, and not served (404) when the
 * fleet is a real platform.
 */
export async function GET() {
  if (!simulatorIsPlatform()) {
    return new Response("The simulator is not the active platform.\n", { status: 404 });
  }
  return new Response(await simulatorExposition(), {
    headers: {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      "Cache-Control": "no-store",
    },
  });
}
