import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { FleetFilter } from "@/lib/schemas/list-query";
import type { AuditFilter } from "@/lib/schemas/audit-log";

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

export function auditWhere(f: Partial<AuditFilter>): Prisma.AuditEventWhereInput {
  return {
    ...(f.actor ? { actorEmail: { contains: f.actor, mode: "insensitive" } } : {}),
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.target ? { OR: [{ targetType: f.target }, { targetId: f.target }] } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.from || f.to
      ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } }
      : {}),
  };
}
