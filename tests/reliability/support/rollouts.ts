// What the rollout scenarios share: extra serving objects and people in a scenario's database,
// starting and commanding rollouts over HTTP as people do, waiting until the fleet has settled,
// and the judgement of what survived: every rollout in a terminal or correct waiting state, no
// platform write applied twice (the simulator's own count of applied writes), every person's
// change with its audit row.
import { randomBytes } from "node:crypto";
import { callAction, sql, sleep, type ActionAnswer } from "./app";

/** A platform object a scenario's rollout drives: one model in one staging environment. */
export interface ServingObject {
  model: string;
  environment: string;
  region: string;
  /** the version it serves */
  from: string;
  /** the version a scenario rolls out */
  to: string;
}

const id = (prefix: string) => `${prefix}${randomBytes(10).toString("hex")}`;

/**
 * Registers `model` for `teamId` with versions 1.0.0 (what it serves) and 2.0.0 (what a scenario
 * rolls out), each with its lineage, as CI registers versions.
 */
export async function registerModel(
  databaseUrl: string,
  model: string,
  teamId: string,
): Promise<{ modelId: string; versionIds: string[] }> {
  const modelId = id("relm");
  await sql(
    databaseUrl,
    `INSERT INTO "Model" (id, name, "displayName", task, description, "teamId")
     VALUES ($1, $2, $3, 'ranking', 'Made by the reliability suite', $4)`,
    [modelId, model, model, teamId],
  );
  const versionIds: string[] = [];
  for (const version of ["1.0.0", "2.0.0"]) {
    const versionId = id("relv");
    versionIds.push(versionId);
    await sql(
      databaseUrl,
      `INSERT INTO "ModelVersion" (id, "modelId", version, "imageDigest", "artifactUri", "trainingRunId",
         "datasetDigest", "codeCommit", "baseImageDigest", "evalMetrics", "createdBy")
       VALUES ($1, $2, $3, $4, $5, 'run-rel', $6, 'abcdef0', $7, '{}', 'reliability')`,
      [
        versionId,
        modelId,
        version,
        `sha256:${randomBytes(32).toString("hex")}`,
        `s3://reliability/${model}/${version}`,
        `sha256:${randomBytes(32).toString("hex")}`,
        `sha256:${randomBytes(32).toString("hex")}`,
      ],
    );
  }
  return { modelId, versionIds };
}

/**
 * Adds `count` models of the demo's "ranking" team (whose people the demo accounts are), each
 * serving version 1.0.0 in one environment of `tier`, with 2.0.0 registered: `count` platform
 * objects that no seeded rollout uses. Call before any app process starts: the simulator boots
 * its fleet from the inventory on first use.
 */
export async function addServingObjects(
  databaseUrl: string,
  count: number,
  prefix = "rel",
  tier: "staging" | "production" = "staging",
): Promise<ServingObject[]> {
  const places = await sql<{
    clusterId: string;
    environmentId: string;
    environment: string;
    region: string;
    teamId: string;
  }>(
    databaseUrl,
    `SELECT DISTINCT d."clusterId", d."environmentId", e.name AS environment, r.code AS region, m."teamId"
       FROM "Deployment" d
       JOIN "Model" m ON m.id = d."modelId"
       JOIN "Team" t ON t.id = m."teamId"
       JOIN "Environment" e ON e.id = d."environmentId"
       JOIN "Region" r ON r.id = e."regionId"
      WHERE t.slug = 'ranking' AND e.tier = $1::"EnvironmentTier"
      ORDER BY e.name`,
    [tier],
  );
  if (places.length === 0) throw new Error(`the demo fleet has no ${tier} deployment of ranking`);
  const objects: ServingObject[] = [];
  for (let i = 0; i < count; i++) {
    const place = places[i % places.length];
    if (!place) continue;
    const model = `${prefix}-model-${String(i + 1).padStart(3, "0")}`;
    const { modelId, versionIds } = await registerModel(databaseUrl, model, place.teamId);
    await sql(
      databaseUrl,
      `INSERT INTO "Deployment" (id, "modelId", "modelVersionId", "clusterId", "environmentId", replicas,
         "readyReplicas", "hpaMin", "hpaMax", "hpaCurrent", "trafficWeight", "fullTrafficSince", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, 1, 1, 1, 2, 1, 100, now() - interval '30 days', now())`,
      [id("reld"), modelId, versionIds[0], place.clusterId, place.environmentId],
    );
    objects.push({
      model,
      environment: place.environment,
      region: place.region,
      from: "1.0.0",
      to: "2.0.0",
    });
  }
  return objects;
}

/**
 * Adds people with `role` in the "ranking" team who sign in with the demo password (the hash of
 * `like`'s): more distinct people than the demo has, for racing requests.
 */
export async function addPeople(
  databaseUrl: string,
  count: number,
  role: "engineer" | "release_manager" | "admin",
  like = "release@flightdeck.demo",
): Promise<string[]> {
  const emails: string[] = [];
  for (let i = 0; i < count; i++) {
    const email = `rel-${role.replace("_", "-")}-${i + 1}@flightdeck.demo`;
    await sql(
      databaseUrl,
      `INSERT INTO "User" (id, email, name, "passwordHash", role, "teamId", demo, "updatedAt")
       SELECT $1, $2, $3, "passwordHash", $4::"Role", "teamId", true, now() FROM "User" WHERE email = $5`,
      [id("relu"), email, `Reliability ${role} ${i + 1}`, role, like],
    );
    emails.push(email);
  }
  return emails;
}

// ------------------------------------------------------------------------------ rollouts

export interface StartedRollout {
  id: string;
  object: ServingObject;
  steps: string;
}

/** Starts a release of `object.to` in `object.environment` as the person of `cookie`. */
export async function startRollout(
  url: string,
  cookie: string,
  object: ServingObject,
  steps: string,
  options: { onBusy?: () => void } = {},
): Promise<StartedRollout> {
  let answer: ActionAnswer<{ rollouts: { id: string }[] }>;
  // "The database is busy, try again" is an answer a person acts on by trying again; a start
  // tried again is the same start (it is idempotent).
  for (let attempt = 0; ; attempt++) {
    answer = await callAction<{ rollouts: { id: string }[] }>(
      url,
      cookie,
      "startRolloutAction",
      { model: object.model, version: object.to, steps, waves: object.environment },
      { page: "/rollouts" },
    );
    if (answer.result?.ok !== false || answer.result.error.code !== "UNAVAILABLE") break;
    options.onBusy?.();
    if (attempt >= 10) break;
    await sleep(1_000);
  }
  const rollout = answer.result?.ok ? answer.result.data.rollouts[0] : undefined;
  if (!rollout) {
    throw new Error(
      `starting ${object.model} in ${object.environment} failed: ${answer.status} ${answer.body.slice(0, 400)}`,
    );
  }
  return { id: rollout.id, object, steps };
}

export type Command = "pause" | "resume" | "promote" | "promote_full" | "abort";
const ACTIONS: Record<Command, string> = {
  pause: "pauseRolloutAction",
  resume: "resumeRolloutAction",
  promote: "promoteRolloutAction",
  promote_full: "promoteFullRolloutAction",
  abort: "abortRolloutAction",
};

/** Sends a rollout command as the person of `cookie`, for the rollout as it is at `version`. */
export function commandRollout(
  url: string,
  cookie: string,
  command: Command,
  rolloutId: string,
  version: number,
): Promise<ActionAnswer<{ status: string; version: number; alreadyApplied: boolean }>> {
  return callAction(
    url,
    cookie,
    ACTIONS[command],
    {
      rolloutId,
      version,
      ...(command === "promote_full" ? { reason: "reliability suite" } : {}),
    },
    { page: `/rollouts/${rolloutId}` },
  );
}

export interface RolloutRow {
  id: string;
  status: string;
  version: number;
  currentStep: number;
  currentWeight: number;
  platformSynced: boolean;
  verifying: boolean;
  leaseOwner: string | null;
  pausedUntil: Date | null;
  outsideChange: string | null;
  reason: string | null;
}

export async function rolloutRows(databaseUrl: string, ids: string[]): Promise<RolloutRow[]> {
  return sql<RolloutRow>(
    databaseUrl,
    `SELECT id, status::text AS status, version, "currentStep", "currentWeight", "platformSynced",
            verifying, "leaseOwner", "pausedUntil", "outsideChange", reason
       FROM "Rollout" WHERE id = ANY($1)`,
    [ids],
  );
}

interface StepRow {
  rolloutId: string;
  index: number;
  kind: string;
  weight: number | null;
  durationSec: number | null;
}

async function stepRows(databaseUrl: string, ids: string[]): Promise<Map<string, StepRow[]>> {
  const rows = await sql<StepRow>(
    databaseUrl,
    `SELECT "rolloutId", index, kind::text AS kind, weight, "durationSec"
       FROM "RolloutStep" WHERE "rolloutId" = ANY($1) ORDER BY index`,
    [ids],
  );
  const by = new Map<string, StepRow[]>();
  for (const r of rows) by.set(r.rolloutId, [...(by.get(r.rolloutId) ?? []), r]);
  return by;
}

const TERMINAL = new Set(["completed", "aborted", "rolled_back"]);

/**
 * Where a rollout may rightly rest: finished, or paused waiting for a person (a pause step with
 * no duration, or a person's pause), with the platform caught up. (Claims do not count: the
 * engine claims a waiting rollout on every pass to look at its object, and a killed process's
 * claim on a finished one just runs out.)
 */
function settledProblem(r: RolloutRow, steps: StepRow[], pausedByPerson: boolean): string | null {
  if (!r.platformSynced) return "platform not caught up";
  if (r.verifying) return "still verifying";
  if (TERMINAL.has(r.status)) return null;
  if (r.status === "paused" && !r.pausedUntil && !r.outsideChange) {
    const step = steps[r.currentStep];
    if (pausedByPerson || (step?.kind === "pause" && step.durationSec === null)) return null;
  }
  return `${r.status} at step ${r.currentStep + 1}${r.pausedUntil ? " (timed pause)" : ""}`;
}

async function pausedByPeople(databaseUrl: string, ids: string[]): Promise<Set<string>> {
  // The last command a person gave was a pause.
  const rows = await sql<{ rolloutId: string; kind: string }>(
    databaseUrl,
    `SELECT DISTINCT ON ("rolloutId") "rolloutId", kind
       FROM "RolloutEvent"
      WHERE "rolloutId" = ANY($1) AND actor IS DISTINCT FROM 'flightdeck'
        AND kind IN ('pause', 'resume', 'promote', 'promote_full', 'abort')
      ORDER BY "rolloutId", at DESC`,
    [ids],
  );
  return new Set(rows.filter((r) => r.kind === "pause").map((r) => r.rolloutId));
}

/**
 * Waits until every rollout rests (terminal, or waiting for a person, platform caught up). Returns the time it took; throws with what still moves after `timeoutMs`.
 */
export async function waitSettled(
  databaseUrl: string,
  ids: string[],
  options: { timeoutMs: number; log?: (line: string) => void; onPoll?: () => Promise<void> },
): Promise<{ ms: number; unsettled: string[] }> {
  const started = Date.now();
  let lastReport = started;
  for (;;) {
    await options.onPoll?.();
    const [rows, steps, paused] = await Promise.all([
      rolloutRows(databaseUrl, ids),
      stepRows(databaseUrl, ids),
      pausedByPeople(databaseUrl, ids),
    ]);
    const unsettled = rows
      .map((r) => {
        const problem = settledProblem(r, steps.get(r.id) ?? [], paused.has(r.id));
        return problem ? `${r.id}: ${problem}` : null;
      })
      .filter((x): x is string => x !== null);
    if (unsettled.length === 0) return { ms: Date.now() - started, unsettled };
    if (Date.now() - started > options.timeoutMs) return { ms: Date.now() - started, unsettled };
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      options.log?.(`${unsettled.length} rollout(s) still moving, e.g. ${unsettled[0]}`);
    }
    await sleep(500);
  }
}

// ------------------------------------------------------------------------------ the platform

export interface PlatformObject {
  model: string;
  region: string;
  environment: string;
  stableVersion: string;
  canaryVersion: string | null;
  canaryWeight: number;
  paused: boolean;
  aborted: boolean;
  /** the platform's count of applied writes, by operation and what it set: "set version 2.0.0",
   * "set canary weight 25", "promote full", "abort", "pause", "resume" */
  writes: Record<string, number>;
}

/** The simulated fleet's rollout objects as the simulator stores them. */
export async function platformObjects(databaseUrl: string): Promise<PlatformObject[]> {
  const [row] = await sql<{ state: string }>(
    databaseUrl,
    `SELECT state FROM "SimulatorFleet" WHERE id = 'default'`,
  );
  if (!row) return [];
  const state = JSON.parse(row.state) as {
    rollouts: {
      model: string;
      region: string;
      environment: string;
      stable: { version: string };
      canary: { version: string } | null;
      canaryWeight: number;
      paused: boolean;
      aborted: boolean;
      writes?: Record<string, number>;
    }[];
  };
  return state.rollouts.map((r) => ({
    model: r.model,
    region: r.region,
    environment: r.environment,
    stableVersion: r.stable.version,
    canaryVersion: r.canary?.version ?? null,
    canaryWeight: r.canary ? r.canaryWeight : 0,
    paused: r.paused,
    aborted: r.aborted,
    writes: r.writes ?? {},
  }));
}

// ------------------------------------------------------------------------------ judgement

export interface Verdict {
  failures: string[];
  figures: {
    completed: number;
    aborted: number;
    waiting: number;
    /** platform writes the simulator applied to the scenario's objects */
    writes: number;
    doubleApplied: number;
    commandsAudited: number;
  };
}

/**
 * Judges rollouts that have settled (one per platform object): each rests where it may, the
 * platform shows what it says, no write was applied twice (the platform's count of applied writes
 * against what the rollout's steps and commands require), and every person's change has its
 * audit row.
 */
export async function judgeRollouts(
  databaseUrl: string,
  rollouts: StartedRollout[],
  /** the platform's objects (default: the simulator's) */
  platform?: PlatformObject[],
): Promise<Verdict> {
  const ids = rollouts.map((r) => r.id);
  const failures: string[] = [];
  const figures = {
    completed: 0,
    aborted: 0,
    waiting: 0,
    writes: 0,
    doubleApplied: 0,
    commandsAudited: 0,
  };
  const [rows, steps, paused, objects, events, audits] = await Promise.all([
    rolloutRows(databaseUrl, ids),
    stepRows(databaseUrl, ids),
    pausedByPeople(databaseUrl, ids),
    platform ?? platformObjects(databaseUrl),
    sql<{ rolloutId: string; kind: string; actor: string | null }>(
      databaseUrl,
      `SELECT "rolloutId", kind, actor FROM "RolloutEvent" WHERE "rolloutId" = ANY($1)`,
      [ids],
    ),
    sql<{ targetId: string; action: string; n: string }>(
      databaseUrl,
      `SELECT "targetId", action, count(*) AS n FROM "AuditEvent"
        WHERE "targetId" = ANY($1) AND outcome = 'allowed' AND action LIKE 'rollout.%'
        GROUP BY 1, 2`,
      [ids],
    ),
  ]);
  const starts = await sql<{ releaseId: string }>(
    databaseUrl,
    `SELECT after->>'releaseId' AS "releaseId" FROM "AuditEvent"
      WHERE action = 'rollout.start' AND outcome = 'allowed'`,
  );
  const releasesAudited = new Set(starts.map((s) => s.releaseId));
  const releases = await sql<{ id: string; releaseId: string | null }>(
    databaseUrl,
    `SELECT id, "releaseId" FROM "Rollout" WHERE id = ANY($1)`,
    [ids],
  );
  const releaseOf = new Map(releases.map((r) => [r.id, r.releaseId]));
  const byId = new Map(rows.map((r) => [r.id, r]));

  for (const started of rollouts) {
    const r = byId.get(started.id);
    const name = `${started.object.model} (${started.id})`;
    if (!r) {
      failures.push(`${name}: the rollout row is missing`);
      continue;
    }
    const plan = steps.get(r.id) ?? [];
    const problem = settledProblem(r, plan, paused.has(r.id));
    if (problem) failures.push(`${name}: not settled: ${problem}`);
    if (r.status === "completed") figures.completed += 1;
    else if (r.status === "aborted") figures.aborted += 1;
    else figures.waiting += 1;

    const object = objects.find(
      (o) => o.model === started.object.model && o.region === started.object.region,
    );
    if (!object) {
      failures.push(`${name}: no platform object`);
      continue;
    }
    const w = object.writes;
    const count = (key: string) => w[key] ?? 0;
    figures.writes += Object.values(w).reduce((s, n) => s + n, 0);
    const to = started.object.to;
    const weights = new Set(plan.filter((s) => s.kind === "set_weight").map((s) => s.weight));
    for (const [key, n] of Object.entries(w)) {
      const weight = /^set canary weight (\d+)$/.exec(key);
      const known =
        key === `set version ${to}` ||
        key === "promote full" ||
        key === "abort" ||
        key === "pause" ||
        key === "resume" ||
        (weight !== null && weights.has(Number(weight[1])));
      if (!known) failures.push(`${name}: a write no step or command asks for: "${key}" ×${n}`);
      const once = key !== "pause" && key !== "resume";
      if (once && n > 1) {
        figures.doubleApplied += n - 1;
        failures.push(`${name}: "${key}" applied ${n} times`);
      }
    }
    const personEvents = events.filter((e) => e.rolloutId === r.id);
    const pausing = personEvents.filter((e) =>
      ["pause", "pause_step", "slo_burn", "outside_change"].includes(e.kind),
    ).length;
    if (count("pause") > pausing) {
      figures.doubleApplied += count("pause") - pausing;
      failures.push(`${name}: ${count("pause")} pause writes for ${pausing} pauses`);
    }
    if (count("resume") > count("pause")) {
      figures.doubleApplied += count("resume") - count("pause");
      failures.push(`${name}: ${count("resume")} resume writes after ${count("pause")} pauses`);
    }
    // The platform shows what the rollout says.
    const canaryRan = count(`set version ${to}`) === 1;
    if (r.status === "completed") {
      if (object.stableVersion !== to || object.canaryVersion !== null) {
        failures.push(`${name}: completed, but the platform serves ${object.stableVersion}`);
      }
      if (count("promote full") !== 1) failures.push(`${name}: completed without promote full`);
    } else if (count("promote full") !== 0) {
      failures.push(`${name}: promoted on the platform but ${r.status}`);
    }
    if (r.status === "aborted" && canaryRan) {
      if (!object.aborted && object.canaryVersion === to) {
        failures.push(`${name}: aborted, but the canary still takes traffic`);
      }
      if (count("abort") !== 1) failures.push(`${name}: aborted with ${count("abort")} aborts`);
    }
    if (r.status === "paused" && !problem) {
      if (!canaryRan || object.canaryWeight !== r.currentWeight || !object.paused) {
        failures.push(
          `${name}: waits at ${r.currentWeight}%, the platform shows ${object.canaryVersion ?? "no canary"} at ${object.canaryWeight}%${object.paused ? ", paused" : ", not paused"}`,
        );
      }
    }
    // Every person's change has its audit row.
    for (const kind of ["pause", "resume", "promote", "promote_full", "abort"]) {
      const done = personEvents.filter((e) => e.kind === kind && e.actor !== "flightdeck").length;
      const audited = Number(
        audits.find((a) => a.targetId === r.id && a.action === `rollout.${kind}`)?.n ?? 0,
      );
      figures.commandsAudited += Math.min(done, audited);
      if (done !== audited) {
        failures.push(`${name}: ${done} ${kind} command(s) with ${audited} audit row(s)`);
      }
    }
    const release = releaseOf.get(r.id);
    if (!release || !releasesAudited.has(release)) {
      failures.push(`${name}: its start has no audit row`);
    }
  }
  return { failures, figures };
}

/** The percentile `p` (0-100) of `values`, in their unit; 0 when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}
