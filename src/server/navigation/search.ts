import "server-only";
import { clock } from "@/lib/clock";
import { Prisma, db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead, isAllowed } from "@/server/access/authorize";
import { ACTIVE, availableCommands, type RolloutStatus } from "@/lib/domain/rollouts/state-machine";
import { availableIncidentEvents, type IncidentLifecycle } from "@/lib/domain/incidents/lifecycle";
import {
  INCIDENT_PALETTE_STEPS,
  PALETTE_PAGES,
  ROLLOUT_PALETTE_COMMANDS,
  actHref,
  incidentActionLabel,
  matchPages,
  parseQuery,
  rolloutActionLabel,
  type ParsedQuery,
  type SearchAction,
  type SearchResult,
} from "@/lib/domain/navigation/search";

const PER_KIND = 5;

/** A LIKE pattern that matches `text` literally (its %, _ and \ escaped). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface Terms {
  /** the name words ("" when none) */
  name: string;
  /** `%name%` */
  contains: string;
  /** `name%` */
  prefix: string;
  /** `version%`, or null */
  version: string | null;
  number: number | null;
  /** the name's words of two or more characters, at most five */
  words: string[];
}

function termsOf(q: ParsedQuery): Terms {
  const name = q.name;
  return {
    name,
    contains: `%${likeEscape(name)}%`,
    prefix: `${likeEscape(name)}%`,
    version: q.version === null ? null : `${likeEscape(q.version)}%`,
    number: q.number,
    words: name
      .split(" ")
      .filter((w) => w.length >= 2)
      .slice(0, 5),
  };
}

// Constant lists written into the SQL, so the planner can use the partial indexes on them.
const ACTIVE_SQL = Prisma.raw(ACTIVE.map((s) => `'${s}'`).join(", "));
const OPEN_INCIDENT_SQL = Prisma.raw(`'triage', 'investigating', 'mitigated'`);

function rolloutCommands(
  actor: Actor,
  r: {
    id: string;
    status: string;
    currentStep: number;
    steps: number;
    currentWeight: number;
    teamId: string;
    model: string;
    version: string;
    environment: string;
  },
): SearchAction[] {
  const available = new Set(
    availableCommands({
      status: r.status as RolloutStatus,
      step: r.currentStep,
      stepCount: r.steps,
      weight: r.currentWeight,
    }),
  );
  return ROLLOUT_PALETTE_COMMANDS.filter(
    (c) =>
      available.has(c) &&
      isAllowed(actor, c === "promote" ? "rollout.drive" : "rollout.operate", r.teamId),
  ).map((c) => ({
    label: rolloutActionLabel(c, r),
    href: actHref(`/rollouts/${r.id}`, c),
    destructive: c === "abort",
  }));
}

interface RolloutRow {
  id: string;
  status: string;
  kind: string;
  currentStep: number;
  currentWeight: number;
  steps: number;
  teamId: string;
  model: string;
  version: string;
  environment: string;
}

const ROLLOUT_COLUMNS = Prisma.sql`
  r."id", r."status"::text AS "status", r."kind"::text AS "kind", r."currentStep",
  r."currentWeight", m."teamId", m."name" AS "model", v."version", e."name" AS "environment",
  (SELECT count(*)::int FROM "RolloutStep" s WHERE s."rolloutId" = r."id") AS "steps"`;
const ROLLOUT_JOINS = Prisma.sql`
  FROM "Rollout" r
  JOIN "Model" m ON m."id" = r."modelId"
  JOIN "ModelVersion" v ON v."id" = r."toVersionId"
  JOIN "Environment" e ON e."id" = r."environmentId"`;

/** Rollouts of the models (or in the environments) named, in flight first, then the newest. */
async function rollouts(actor: Actor, t: Terms): Promise<SearchResult[]> {
  if (!t.name && t.version === null) return [];
  const rows = await db().$queryRaw<RolloutRow[]>`
    SELECT ${ROLLOUT_COLUMNS} ${ROLLOUT_JOINS}
    WHERE (${t.name} = ''
           OR r."modelId" IN (SELECT "id" FROM "Model" WHERE "name" % ${t.name}
                              OR "name" ILIKE ${t.contains} OR "displayName" ILIKE ${t.contains})
           OR r."environmentId" IN (SELECT "id" FROM "Environment" WHERE "name" ILIKE ${t.contains}))
      AND (${t.version}::text IS NULL OR v."version" ILIKE ${t.version})
    ORDER BY (r."status" IN (${ACTIVE_SQL})) DESC, r."createdAt" DESC
    LIMIT ${PER_KIND}`;
  return rows.map((r) => rolloutResult(actor, r));
}

async function rolloutsInFlight(actor: Actor): Promise<SearchResult[]> {
  const rows = await db().$queryRaw<RolloutRow[]>`
    SELECT ${ROLLOUT_COLUMNS} ${ROLLOUT_JOINS}
    WHERE r."status" IN (${ACTIVE_SQL})
    ORDER BY r."createdAt" DESC
    LIMIT ${PER_KIND}`;
  return rows.map((r) => rolloutResult(actor, r));
}

function rolloutResult(actor: Actor, r: RolloutRow): SearchResult {
  return {
    kind: "rollout",
    key: `rollout:${r.id}`,
    title: `${r.kind === "rollback" ? "Rollback" : "Rollout"} of ${r.model} ${r.version} in ${r.environment}`,
    detail: `${r.status.replace("_", " ")} · ${r.currentWeight}% of traffic`,
    href: `/rollouts/${r.id}`,
    actions: rolloutCommands(actor, r),
  };
}

type IncidentRow = IncidentLifecycle & { id: string; number: number; title: string };

const INCIDENT_COLUMNS = Prisma.sql`
  "id", "number", "title", "status"::text AS "status", "severity"::text AS "severity",
  "detectedAt", "acknowledgedAt", "mitigatedAt", "resolvedAt", "closedAt"`;

/** The incident of that number, then incidents by title (closest, then open, then newest). */
async function incidents(actor: Actor, t: Terms): Promise<SearchResult[]> {
  const [byNumber, byTitle] = await Promise.all([
    t.number === null
      ? []
      : db().$queryRaw<IncidentRow[]>`
          SELECT ${INCIDENT_COLUMNS} FROM "Incident" WHERE "number" = ${t.number}::int`,
    t.words.length === 0
      ? []
      : // every word in the title, in any order: a cheap test per row (titles are free text,
        // so names, not titles, are where typos are forgiven)
        db().$queryRaw<IncidentRow[]>`
          SELECT ${INCIDENT_COLUMNS} FROM "Incident"
          WHERE ${Prisma.join(
            t.words.map((w) => Prisma.sql`"title" ILIKE ${`%${likeEscape(w)}%`}`),
            " AND ",
          )}
          ORDER BY ("status" IN (${OPEN_INCIDENT_SQL})) DESC, "detectedAt" DESC
          LIMIT ${PER_KIND}`,
  ]);
  const rows = [...byNumber, ...byTitle.filter((i) => i.number !== t.number)];
  return incidentResults(actor, rows.slice(0, PER_KIND));
}

async function openIncidents(actor: Actor): Promise<SearchResult[]> {
  const rows = await db().$queryRaw<IncidentRow[]>`
    SELECT ${INCIDENT_COLUMNS} FROM "Incident"
    WHERE "status" IN (${OPEN_INCIDENT_SQL})
    ORDER BY "severity" ASC, "detectedAt" DESC
    LIMIT ${PER_KIND}`;
  return incidentResults(actor, rows);
}

function incidentResults(actor: Actor, rows: IncidentRow[]): SearchResult[] {
  const canWork = isAllowed(actor, "incident.work");
  const now = clock.now();
  return rows.map((i) => {
    const events = canWork ? new Set<string>(availableIncidentEvents(i, now)) : new Set<string>();
    const steps = INCIDENT_PALETTE_STEPS.filter((s) => events.has(s));
    return {
      kind: "incident",
      key: `incident:${i.number}`,
      title: `#${i.number} ${i.title}`,
      detail: `${i.severity.toUpperCase()} · ${i.status}`,
      href: `/incidents/${i.number}`,
      actions: [
        ...steps.map((s) => ({
          label: incidentActionLabel(s, i.number),
          href: actHref(`/incidents/${i.number}`, s),
          destructive: false,
        })),
        {
          label: `What changed before incident #${i.number}?`,
          href: `/incidents/${i.number}#what-changed`,
          destructive: false,
        },
      ],
    };
  });
}

async function models(t: Terms): Promise<SearchResult[]> {
  if (!t.name) return [];
  const rows = await db().$queryRaw<
    { name: string; displayName: string; task: string; team: string }[]
  >`
    SELECT m."name", m."displayName", m."task", tm."name" AS "team"
    FROM "Model" m JOIN "Team" tm ON tm."id" = m."teamId"
    WHERE m."name" % ${t.name} OR m."displayName" % ${t.name}
       OR m."name" ILIKE ${t.contains} OR m."displayName" ILIKE ${t.contains}
    ORDER BY (m."name" ILIKE ${t.prefix}) DESC,
             greatest(similarity(m."name", ${t.name}), similarity(m."displayName", ${t.name})) DESC,
             m."name"
    LIMIT ${PER_KIND}`;
  return rows.map((m) => ({
    kind: "model",
    key: `model:${m.name}`,
    title: m.name,
    detail: `${m.displayName} · ${m.task} · team ${m.team}`,
    href: `/models/${encodeURIComponent(m.name)}`,
    actions: [],
  }));
}

async function versions(t: Terms): Promise<SearchResult[]> {
  if (t.version === null) return [];
  const rows = await db().$queryRaw<{ model: string; version: string; createdBy: string }[]>`
    SELECT m."name" AS "model", v."version", v."createdBy"
    FROM "ModelVersion" v JOIN "Model" m ON m."id" = v."modelId"
    WHERE v."version" ILIKE ${t.version}
      AND (${t.name} = '' OR m."name" % ${t.name} OR m."name" ILIKE ${t.contains})
    ORDER BY v."createdAt" DESC
    LIMIT ${PER_KIND}`;
  return rows.map((v) => ({
    kind: "version",
    key: `version:${v.model}:${v.version}`,
    title: `${v.model} ${v.version}`,
    detail: `registered by ${v.createdBy}`,
    href: `/models/${encodeURIComponent(v.model)}/versions/${encodeURIComponent(v.version)}`,
    actions: [],
  }));
}

async function promotions(actor: Actor, t: Terms): Promise<SearchResult[]> {
  if (!t.name && t.number === null) return [];
  const rows = await db().$queryRaw<
    {
      number: number;
      status: string;
      tier: string;
      model: string;
      version: string;
      teamId: string;
    }[]
  >`
    SELECT p."number", p."status"::text AS "status", p."tier"::text AS "tier", m."name" AS "model",
           v."version", m."teamId"
    FROM "PromotionRequest" p
    JOIN "Model" m ON m."id" = p."modelId"
    JOIN "ModelVersion" v ON v."id" = p."modelVersionId"
    WHERE p."number" = ${t.number}::int
       OR ${t.name} <> '' AND (m."name" % ${t.name} OR m."name" ILIKE ${t.contains})
          AND (${t.version}::text IS NULL OR v."version" ILIKE ${t.version})
    ORDER BY (p."number" = ${t.number}::int) DESC NULLS LAST, (p."status"::text = 'pending') DESC,
             p."requestedAt" DESC
    LIMIT ${PER_KIND}`;
  const mayApprove = isAllowed(actor, "promotion.approve");
  return rows.map((p) => ({
    kind: "promotion",
    key: `promotion:${p.number}`,
    title: `Promotion #${p.number}: ${p.model} ${p.version} to ${p.tier}`,
    detail: p.status,
    href: `/promotions/${p.number}`,
    actions:
      p.status === "pending" && mayApprove
        ? [
            {
              label: `Review the evidence and decide promotion #${p.number}`,
              href: `/promotions/${p.number}#decision`,
              destructive: false,
            },
          ]
        : [],
  }));
}

async function slos(t: Terms): Promise<SearchResult[]> {
  if (!t.name) return [];
  const rows = await db().$queryRaw<
    { name: string; displayName: string | null; objective: number; model: string }[]
  >`
    SELECT s."name", s."displayName", s."objective", m."name" AS "model"
    FROM "Slo" s JOIN "Model" m ON m."id" = s."modelId"
    WHERE s."name" % ${t.name} OR s."name" ILIKE ${t.contains} OR s."displayName" ILIKE ${t.contains}
    ORDER BY (s."name" ILIKE ${t.prefix}) DESC, similarity(s."name", ${t.name}) DESC, s."name"
    LIMIT ${PER_KIND}`;
  return rows.map((s) => ({
    kind: "slo",
    key: `slo:${s.name}`,
    title: s.displayName ? `${s.displayName} (${s.name})` : s.name,
    detail: `${s.model} · objective ${(s.objective * 100).toFixed(2).replace(/\.?0+$/, "")}%`,
    href: `/slos/${encodeURIComponent(s.name)}`,
    actions: [],
  }));
}

async function clusters(t: Terms): Promise<SearchResult[]> {
  if (!t.name) return [];
  const rows = await db().$queryRaw<{ name: string; status: string; region: string }[]>`
    SELECT c."name", c."status"::text AS "status", r."code" AS "region"
    FROM "Cluster" c JOIN "Region" r ON r."id" = c."regionId"
    WHERE c."name" % ${t.name} OR c."name" ILIKE ${t.contains} OR r."code" ILIKE ${t.contains}
    ORDER BY (c."name" ILIKE ${t.prefix}) DESC, similarity(c."name", ${t.name}) DESC, c."name"
    LIMIT ${PER_KIND}`;
  return rows.map((c) => ({
    kind: "cluster",
    key: `cluster:${c.name}`,
    title: c.name,
    detail: `${c.region} · ${c.status}`,
    href: `/clusters/${encodeURIComponent(c.name)}`,
    actions: [],
  }));
}

/** Training statuses on-call looks for first, ahead of queued and finished jobs. */
const ACTIVE_TRAINING_SQL = Prisma.raw(`'failed', 'restarting', 'running', 'checkpointing'`);

/** Training jobs by name (typos forgiven), the closest first, then failing and running ones. */
async function trainingJobs(t: Terms): Promise<SearchResult[]> {
  // "#42" is an incident's or promotion's number, not the run number ending a job's name
  if (!t.name || t.number !== null) return [];
  const rows = await db().$queryRaw<
    {
      name: string;
      status: string;
      model: string;
      cluster: string;
      stepsDone: number;
      stepsTotal: number;
    }[]
  >`
    SELECT j."name", j."status"::text AS "status", m."name" AS "model", c."name" AS "cluster",
           j."stepsDone", j."stepsTotal"
    FROM "TrainingJob" j
    JOIN "Model" m ON m."id" = j."modelId"
    JOIN "Cluster" c ON c."id" = j."clusterId"
    WHERE j."name" % ${t.name} OR j."name" ILIKE ${t.contains}
    ORDER BY (j."name" ILIKE ${t.prefix}) DESC, similarity(j."name", ${t.name}) DESC,
             (j."status" IN (${ACTIVE_TRAINING_SQL})) DESC, j."startedAt" DESC, j."name"
    LIMIT ${PER_KIND}`;
  return rows.map((j) => ({
    kind: "training",
    key: `training:${j.name}`,
    title: j.name,
    detail: `${j.status} · ${j.model} · ${j.cluster} · ${
      j.stepsTotal > 0 ? Math.floor((j.stepsDone / j.stepsTotal) * 100) : 0
    }% of ${j.stepsTotal.toLocaleString("en-US")} steps`,
    href: `/training/${encodeURIComponent(j.name)}`,
    actions: [],
  }));
}

/**
 * The command palette's answer: pages, then objects by name or number, each with the actions
 * this person may take on it. An empty query lists what on-call looks for first: open
 * incidents and rollouts in flight.
 */
export async function search(actor: Actor | null, raw: string): Promise<SearchResult[]> {
  assertCanRead(actor);
  const q = parseQuery(raw);
  const t = termsOf(q);
  const pages = PALETTE_PAGES.filter((p) => isAllowed(actor, p.permission));
  if (!q.text) {
    const [open, inFlight] = await Promise.all([openIncidents(actor), rolloutsInFlight(actor)]);
    return [...pages.slice(0, 4).map(pageResult), ...open, ...inFlight];
  }
  const found = await Promise.all([
    incidents(actor, t),
    rollouts(actor, t),
    models(t),
    versions(t),
    promotions(actor, t),
    slos(t),
    clusters(t),
    trainingJobs(t),
  ]);
  return [...matchPages(q.text, pages).map(pageResult), ...found.flat()];
}

function pageResult(p: { label: string; href: string }): SearchResult {
  return {
    kind: "page",
    key: `page:${p.href}`,
    title: p.label,
    detail: p.href,
    href: p.href,
    actions: [],
  };
}
