import "server-only";
import type { Prisma } from "@/generated/prisma/client";

/**
 * Every advisory lock Flightdeck takes, in one place. A key names what it serializes; two
 * processes (replicas, the worker, the command line) that take the same key wait for each
 * other until the holder's transaction ends. The strings are part of the protocol between
 * replicas of different versions during a rolling upgrade: change one only deliberately.
 */
declare const lockKey: unique symbol;
export type LockKey = string & { readonly [lockKey]: true };
const key = (value: string) => value as LockKey;

export const LOCKS = {
  /** decisions about who is an enabled admin (role changes, disabling, SSO, the first admin) */
  admins: () => key("flightdeck:admins"),
  /** the per-minute count of anonymous refusals written to the audit log */
  anonymousRefusals: () => key("flightdeck:anonymous-refusals"),
  /** one inventory sync at a time, fleet-wide */
  fleetSync: () => key("flightdeck:fleet-sync"),
  /** one SLO evaluation round at a time */
  sloEvaluator: () => key("flightdeck:slo-evaluator"),
  /** the simulated fleet's document */
  simulatorFleet: () => key("flightdeck:simulator-fleet"),
  /** applying the fleet configuration file (one apply at a time, fleet-wide) */
  fleetConfig: () => key("flightdeck:fleet-config"),
  /** the release calendar (change freezes) */
  freezeCalendar: () => key("flightdeck:freeze-calendar"),
  /** starting, retrying or rolling back releases of one model */
  modelReleases: (modelId: string) => key(`rollout-start:${modelId}`),
  /** the platform object of one model in one environment, while the engine drives it */
  rolloutTarget: (modelId: string, environmentId: string) =>
    key(`rollout-target:${modelId}:${environmentId}`),
  /** a person declaring an incident of a title (a double submit declares once) */
  incidentDeclare: (email: string, title: string) => key(`incident-declare:${email}:${title}`),
  /** the open incident of one SLO (its burn-rate alerts and the Alertmanager webhook) */
  sloIncident: (slo: string) => key(`slo-incident:${slo}`),
  /** one Alertmanager alert, by its fingerprint */
  alertmanagerAlert: (dedupeKey: string) => key(`alertmanager:${dedupeKey}`),
  /** token names of one team */
  teamTokens: (teamId: string) => key(`token:${teamId}`),
  /** the open promotion request of a version into a tier */
  promotionRequest: (versionId: string, tier: string) => key(`promotion:${versionId}:${tier}`),
  /** starting a drain or failover of one region (one open drain per region) */
  regionDrain: (region: string) => key(`region-drain:${region}`),
  /** chaos experiments of one kind in one region */
  chaos: (kind: string, region: string) => key(`chaos:${kind}:${region}`),
} as const;

type Tx = Prisma.TransactionClient;

/** Waits for the lock and holds it until the transaction ends. */
export async function advisoryLock(tx: Tx, lock: LockKey): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${lock}))`;
}

/** Takes the lock if it is free (held until the transaction ends); false when another holds it. */
export async function tryAdvisoryLock(tx: Tx, lock: LockKey): Promise<boolean> {
  const rows = await tx.$queryRaw<{ locked: boolean }[]>`
    SELECT pg_try_advisory_xact_lock(hashtext(${lock})) AS locked`;
  return rows[0]?.locked === true;
}
