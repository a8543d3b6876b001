import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { commandRollout } from "@/server/rollouts/command";
import { rollBackDeployment } from "@/server/rollouts/roll-back";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { rankChanges } from "@/lib/domain/incidents/changes";
import type { ActOnChangeData } from "@/lib/schemas/incidents";
import {
  type RolloutCandidate,
  actionFor,
  candidates,
  isRollout,
  rolloutTitle,
} from "@/server/incidents/changes";
import { SCOPE_SELECT } from "@/server/incidents/timeline";

export const TERMINAL = ["closed", "cancelled"];

/**
 * Aborts or rolls back one of the incident's suspected rollouts, through the rollout engine's
 * own commands (which authorize, check the rollout's version, and audit in their transaction).
 * The incident's timeline shows the rollout's events; the reason names the incident.
 */
export async function actOnIncidentChange(
  actor: Actor | null,
  meta: RequestMeta,
  input: ActOnChangeData,
): Promise<{ rolloutId: string; alreadyApplied: boolean }> {
  assertAllowed(actor, "rollout.operate");
  const incident = await db().incident.findUnique({
    where: { id: input.incidentId },
    select: SCOPE_SELECT,
  });
  if (!incident) throw new AppError("NOT_FOUND", "No such incident.");
  if (TERMINAL.includes(incident.status)) {
    throw new AppError("CONFLICT", `Incident #${incident.number} is ${incident.status}.`);
  }
  const { list } = await candidates(incident);
  const ranked = rankChanges(list, {
    detectedAt: incident.detectedAt,
    models: incident.affectedModels,
    regions: incident.affectedRegions,
  });
  const change = ranked.map((r) => r.change).find((c) => c.id === `rollout:${input.rolloutId}`);
  if (!change || !isRollout(change)) {
    throw new AppError(
      "INVALID_INPUT",
      `That rollout is not among incident #${incident.number}'s suspected changes.`,
    );
  }
  const reason = [`Incident #${incident.number}`, input.reason].filter(Boolean).join(": ");
  const r = change.rollout;
  if (input.action === "abort") {
    // The engine moves a canary's version at every step: while the rollout is still in flight,
    // aborting what the user saw and aborting it now are the same intent. Once it is not,
    // the user's version decides (a double click lands once; anything else is a conflict).
    const done = await commandRollout(actor, meta, {
      rolloutId: r.id,
      version: ACTIVE.includes(r.status) ? r.version : input.rolloutVersion,
      command: "abort",
      reason,
    });
    return { rolloutId: r.id, alreadyApplied: done.alreadyApplied };
  }
  const { action } = actionFor(actor, r);
  if (action?.kind !== "rollback" || !r.fromVersion) {
    // Not rollback-able now: in flight (abort it), already rolled back, or replaced.
    if (r.version === input.rolloutVersion && !r.latest && (await recentlyRolledBack(actor, r))) {
      return { rolloutId: r.id, alreadyApplied: true };
    }
    throw new AppError(
      "CONFLICT",
      `${rolloutTitle(r)} cannot be rolled back now (it is ${r.status.replace(/_/g, " ")}${
        r.latest ? "" : " and a later rollout replaced it"
      }); nothing was done. Review it again.`,
    );
  }
  if (r.version !== input.rolloutVersion) {
    throw new AppError(
      "CONFLICT",
      `The rollout changed while you were looking at it (it is now ${r.status}); nothing was done. Review it again.`,
    );
  }
  return rollBackDeployment(actor, meta, {
    model: r.model,
    environment: r.environment,
    toVersion: r.fromVersion,
    reason,
  });
}

/** This person rolled the model back in this environment in the last few seconds (a double click). */
async function recentlyRolledBack(actor: Actor, r: RolloutCandidate["rollout"]) {
  const recent = await db().rollout.findFirst({
    where: {
      kind: "rollback",
      model: { name: r.model },
      environment: { name: r.environment },
      createdBy: { email: actor.email },
      createdAt: { gte: new Date(clock.ms() - 10_000) },
    },
    select: { id: true },
  });
  return recent !== null;
}
