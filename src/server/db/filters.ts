import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { FleetFilter } from "@/lib/schemas/list-query";

/** Prisma conditions for the header's region/environment filter, per resource. */
export function environmentWhere(filter: FleetFilter): Prisma.EnvironmentWhereInput {
  return {
    ...(filter.env ? { tier: filter.env } : {}),
    ...(filter.region ? { region: { code: filter.region } } : {}),
  };
}

export function clusterWhere(filter: FleetFilter): Prisma.ClusterWhereInput {
  return filter.region ? { region: { code: filter.region } } : {};
}
