import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import type { FleetFilter } from "@/lib/schemas/list-query";
import { assertCanRead } from "@/server/access/authorize";
import { environmentWhere } from "@/server/db/filters";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { chaosState, describeChaos } from "@/server/fleet/chaos";
import { OPEN_INCIDENT_STATUSES } from "@/lib/domain/incidents/lifecycle";

/**
 * What on-call looks at first: open incidents (most severe first), SLOs burning their budget,
 * rollouts in flight, and the changes of the last day. Small, indexed reads; the home page
 * re-reads them every few seconds.
 */

const PANEL_ROWS = 8;
const RECENT_HOURS = 24;

export interface OnCallBoard {
  /** the most severe open incidents, at most a panel's worth */
  incidents: {
    number: number;
    title: string;
    severity: string;
    status: string;
    detectedAt: Date;
    acknowledgedAt: Date | null;
    commander: string | null;
  }[];
  /** all open incidents */
  openIncidents: number;
  burningSlos: {
    name: string;
    displayName: string | null;
    burnRate1h: number | null;
    firing: string | null;
    remaining: number | null;
    exhaustsInMin: number | null;
  }[];
  rollouts: {
    id: string;
    model: string;
    fromVersion: string | null;
    toVersion: string;
    environment: string;
    status: string;
    weight: number;
    kind: string;
    createdAt: Date;
  }[];
  changes: {
    id: string;
    kind: "rollout" | "rollback" | "chaos";
    title: string;
    href: string;
    status: string;
    at: Date;
    actor: string | null;
  }[];
}

export async function onCallBoard(actor: Actor | null, filter: FleetFilter): Promise<OnCallBoard> {
  assertCanRead(actor);
  const prisma = db();
  const envs = environmentWhere(filter);
  const since = new Date(clock.ms() - RECENT_HOURS * 3_600_000);
  const rolloutSelect = {
    id: true,
    status: true,
    kind: true,
    currentWeight: true,
    createdAt: true,
    model: { select: { name: true } },
    fromVersion: { select: { version: true } },
    toVersion: { select: { version: true } },
    environment: { select: { name: true } },
    createdBy: { select: { email: true } },
  } as const;
  const openIncidents = {
    status: { in: [...OPEN_INCIDENT_STATUSES] },
    ...(filter.region ? { affectedRegions: { has: filter.region } } : {}),
  };
  const [incidents, openCount, slos, inFlight, recent, chaos] = await Promise.all([
    prisma.incident.findMany({
      where: openIncidents,
      // The Severity enum is declared SEV1 first: ascending is most severe first.
      orderBy: [{ severity: "asc" }, { detectedAt: "desc" }],
      take: PANEL_ROWS,
      select: {
        number: true,
        title: true,
        severity: true,
        status: true,
        detectedAt: true,
        acknowledgedAt: true,
        commander: true,
      },
    }),
    prisma.incident.count({ where: openIncidents }),
    prisma.sloSnapshot.findMany({
      where: { OR: [{ firing: { not: null } }, { burnRate1h: { gt: 1 } }] },
      orderBy: [{ burnRate1h: { sort: "desc", nulls: "last" } }],
      take: PANEL_ROWS,
      select: {
        burnRate1h: true,
        firing: true,
        remaining: true,
        exhaustsInMin: true,
        slo: { select: { name: true, displayName: true } },
      },
    }),
    prisma.rollout.findMany({
      where: { environment: envs, status: { in: [...ACTIVE] } },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: PANEL_ROWS,
      select: rolloutSelect,
    }),
    prisma.rollout.findMany({
      where: { environment: envs, createdAt: { gte: since } },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: PANEL_ROWS,
      select: rolloutSelect,
    }),
    prisma.chaosExperiment.findMany({
      where: {
        startedAt: { gte: since },
        ...(filter.region ? { region: filter.region } : {}),
      },
      orderBy: { startedAt: "desc" },
      take: PANEL_ROWS,
      select: {
        id: true,
        kind: true,
        region: true,
        magnitude: true,
        startedAt: true,
        endsAt: true,
        stoppedAt: true,
      },
    }),
  ]);
  const now = clock.now();
  const changes: OnCallBoard["changes"] = [
    ...recent.map((r) => ({
      id: `rollout:${r.id}`,
      kind: r.kind === "rollback" ? ("rollback" as const) : ("rollout" as const),
      title:
        r.kind === "rollback"
          ? `${r.model.name} rolled back to ${r.toVersion.version} in ${r.environment.name}`
          : `${r.model.name} ${r.fromVersion?.version ?? "(new)"} → ${r.toVersion.version} in ${r.environment.name}`,
      href: `/rollouts/${r.id}`,
      status: r.status,
      at: r.createdAt,
      actor: r.createdBy?.email ?? null,
    })),
    ...chaos.map((c) => ({
      id: `chaos:${c.id}`,
      kind: "chaos" as const,
      title: `Chaos: ${describeChaos(c)}`,
      href: "/admin/chaos",
      status: chaosState(c, now),
      at: c.startedAt,
      actor: null,
    })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, PANEL_ROWS);
  return {
    incidents,
    openIncidents: openCount,
    burningSlos: slos.map((s) => ({
      name: s.slo.name,
      displayName: s.slo.displayName,
      burnRate1h: s.burnRate1h,
      firing: s.firing,
      remaining: s.remaining,
      exhaustsInMin: s.exhaustsInMin,
    })),
    rollouts: inFlight.map((r) => ({
      id: r.id,
      model: r.model.name,
      fromVersion: r.fromVersion?.version ?? null,
      toVersion: r.toVersion.version,
      environment: r.environment.name,
      status: r.status,
      weight: r.currentWeight,
      kind: r.kind,
      createdAt: r.createdAt,
    })),
    changes,
  };
}
