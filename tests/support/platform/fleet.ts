import type { ServingDeployment } from "@/lib/platform/types";

/** A small fixed fleet: a stable version everywhere and a canary at 10% in one region. */
export function fixtureFleet(
  model = "ranker-xl",
  stable = "2.1.0",
  canary = "2.2.0",
): ServingDeployment[] {
  const d = (version: string, region: string, weight: number): ServingDeployment => ({
    model,
    version,
    region,
    cluster: `eks-${region}-serve-01`,
    environment: "production",
    replicasReady: 4,
    replicasDesired: 4,
    trafficWeight: weight,
  });
  return [d(stable, "us-east-1", 90), d(canary, "us-east-1", 10), d(stable, "eu-west-1", 100)];
}
