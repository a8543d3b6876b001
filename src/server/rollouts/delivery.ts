import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { DEFAULT_LOOKBACK_MINUTES } from "@/lib/domain/incidents/changes";
import type { IncidentStatus } from "@/lib/domain/incidents/lifecycle";
import type { RolloutStatus } from "@/lib/domain/rollouts/state-machine";
import {
  deliveryFigures,
  type DeliveryFigures,
  type DeliveryIncident,
  type DeliveryRollback,
  type DeliveryRollout,
  type DeliveryWindow,
} from "@/lib/domain/rollouts/delivery";

export interface TeamDelivery {
  team: string;
  /** one per window asked for, in order */
  figures: DeliveryFigures[];
}

export interface DeliveryTimeline {
  /** the fleet's figures, one per window asked for, in order */
  total: DeliveryFigures[];
  /** every team, by name */
  teams: TeamDelivery[];
}

interface RolloutRow {
  id: string;
  status: RolloutStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  environmentId: string;
  toVersionId: string;
  registeredAt: Date;
  model: string;
  teamId: string;
  region: string;
}

interface IncidentRow {
  id: string;
  status: IncidentStatus;
  detectedAt: Date;
  resolvedAt: Date | null;
  affectedModels: string[];
  affectedRegions: string[];
  model: string | null;
  regionCode: string | null;
}

const MINUTE = 60_000;

/**
 * DORA-style delivery figures (`lib/domain/rollouts/delivery.ts`) of consecutive windows, for
 * the fleet and per team. Three set-based reads whatever the number of rollouts: the production
 * rollouts that ended in the windows or were running, the production rollbacks since the first
 * window began, and the incidents those rollouts could be linked to.
 */
export async function deliveryTimeline(
  actor: Actor | null,
  windows: readonly DeliveryWindow[],
  now: Date,
): Promise<DeliveryTimeline> {
  assertCanRead(actor);
  if (windows.length === 0) return { total: [], teams: [] };
  const from = new Date(Math.min(...windows.map((w) => w.start.getTime())));
  const to = new Date(Math.max(...windows.map((w) => w.end.getTime())));
  const lookback = DEFAULT_LOOKBACK_MINUTES * MINUTE;
  const [teams, rolloutRows, rollbackRows] = await Promise.all([
    db().team.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } }),
    // Ended in the windows, or running while an incident of them was detected (an incident is
    // linked to rollouts that ended up to the lookback before its detection).
    db().$queryRaw<RolloutRow[]>`
      SELECT r.id, r.status::text AS status, r."startedAt", r."finishedAt", r."environmentId",
             r."toVersionId", v."createdAt" AS "registeredAt", m.name AS model, m."teamId",
             g.code AS region
      FROM "Rollout" r
      JOIN "Environment" e ON e.id = r."environmentId"
      JOIN "Region" g ON g.id = e."regionId"
      JOIN "Model" m ON m.id = r."modelId"
      JOIN "ModelVersion" v ON v.id = r."toVersionId"
      WHERE e.tier = 'production' AND r.kind = 'rollout' AND r."startedAt" IS NOT NULL
        AND r."startedAt" < ${to}::timestamp
        AND (r."finishedAt" IS NULL OR r."finishedAt" >= ${new Date(from.getTime() - lookback)}::timestamp)`,
    // A rollback reverts a rollout that ended before it: only those since the first window.
    db().$queryRaw<DeliveryRollback[]>`
      SELECT m.name AS model, r."environmentId", r."fromVersionId", r."createdAt"
      FROM "Rollout" r
      JOIN "Environment" e ON e.id = r."environmentId"
      JOIN "Model" m ON m.id = r."modelId"
      WHERE e.tier = 'production' AND r.kind = 'rollback'
        AND r."createdAt" >= ${from}::timestamp`,
  ]);
  // Incidents linked to a rollout that ended in the windows are detected from its start to the
  // lookback after its end; the windows' own incidents are those whose time to restore counts.
  const incidentsFrom = rolloutRows.reduce(
    (min, r) =>
      r.finishedAt !== null && r.finishedAt >= from && r.startedAt !== null
        ? Math.min(min, r.startedAt.getTime())
        : min,
    from.getTime(),
  );
  const incidentRows = await db().$queryRaw<IncidentRow[]>`
    SELECT i.id, i.status::text AS status, i."detectedAt", i."resolvedAt", i."affectedModels",
           i."affectedRegions", m.name AS model, i."regionCode"
    FROM "Incident" i LEFT JOIN "Model" m ON m.id = i."modelId"
    WHERE i.status <> 'cancelled'
      AND i."detectedAt" >= ${new Date(incidentsFrom)}::timestamp
      AND i."detectedAt" < ${new Date(to.getTime() + lookback)}::timestamp`;

  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const rollouts: DeliveryRollout[] = rolloutRows.map((r) => ({
    id: r.id,
    team: teamName.get(r.teamId) ?? r.teamId,
    model: r.model,
    region: r.region,
    environmentId: r.environmentId,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    registeredAt: r.registeredAt,
    toVersionId: r.toVersionId,
  }));
  const incidents: DeliveryIncident[] = incidentRows.map((i) => ({
    id: i.id,
    status: i.status,
    detectedAt: i.detectedAt,
    resolvedAt: i.resolvedAt,
    // the first affected model and region are kept apart too: count them whichever way
    models: [...new Set([...i.affectedModels, ...(i.model ? [i.model] : [])])],
    regions: [...new Set([...i.affectedRegions, ...(i.regionCode ? [i.regionCode] : [])])],
  }));
  const names = teams.map((t) => t.name);
  const reports = windows.map((window) =>
    deliveryFigures({ rollouts, rollbacks: rollbackRows, incidents, window, now, teams: names }),
  );
  return {
    total: reports.map((r) => r.total),
    teams: names.map((team, i) => ({
      team,
      figures: reports.map((r) => r.teams[i]!.figures),
    })),
  };
}
