import "server-only";
import { clock } from "@/lib/clock";
import { z } from "zod";
import { db, type Prisma } from "@/server/db/client";
import { assertVersion, type Tx } from "@/server/db/tx";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/violations";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { pageMetrics } from "@/server/fleet/platform";
import type { LatencyBuckets, Selector } from "@/lib/platform/types";
import { boundariesMs, latencyThresholdProblem } from "@/lib/domain/slos/latency-buckets";
import {
  alertWindowSchema,
  DEFAULT_ALERT_WINDOWS,
  sloSpecSchema,
  type SloSpec,
} from "@/lib/domain/slos/spec";
import {
  holdLiftingChange,
  measuresDifferently,
  MIN_OVERRIDE_REASON,
} from "@/lib/domain/slos/edits";

/** The columns an SLO's definition lives in. */
export const SLO_DEFINITION_SELECT = {
  id: true,
  name: true,
  displayName: true,
  description: true,
  sliKind: true,
  objective: true,
  windowKind: true,
  windowDays: true,
  budgetingMethod: true,
  timesliceTarget: true,
  threshold: true,
  alertWindows: true,
  version: true,
  model: { select: { name: true } },
  team: { select: { slug: true } },
} satisfies Prisma.SloSelect;

export type StoredSlo = Prisma.SloGetPayload<{ select: typeof SLO_DEFINITION_SELECT }>;

const storedAlerts = z.array(alertWindowSchema);

/** The definition of a stored SLO, in the shape every reader and writer shares. */
export function sloSpecOf(row: Omit<StoredSlo, "version"> & { version?: number }): SloSpec {
  const alerts = storedAlerts.safeParse(row.alertWindows);
  return {
    name: row.name,
    ...(row.displayName ? { displayName: row.displayName } : {}),
    description: row.description,
    service: row.model.name,
    team: row.team.slug,
    sliKind: row.sliKind,
    threshold: row.threshold,
    objective: row.objective,
    window:
      row.windowKind === "rolling"
        ? { kind: "rolling", days: row.windowDays }
        : { kind: "calendar", unit: row.windowKind },
    budgetingMethod: row.budgetingMethod,
    timesliceTarget: row.budgetingMethod === "timeslices" ? row.timesliceTarget : null,
    alerts: alerts.success && row.alertWindows !== null ? alerts.data : DEFAULT_ALERT_WINDOWS,
  };
}

/** The columns of a definition (without its owners, which are resolved by name). */
function columnsOf(spec: SloSpec) {
  return {
    name: spec.name,
    displayName: spec.displayName ?? null,
    description: spec.description,
    sliKind: spec.sliKind,
    objective: spec.objective,
    windowKind: spec.window.kind === "rolling" ? ("rolling" as const) : spec.window.unit,
    windowDays:
      spec.window.kind === "rolling" ? spec.window.days : spec.window.unit === "month" ? 30 : 91,
    budgetingMethod: spec.budgetingMethod,
    timesliceTarget: spec.budgetingMethod === "timeslices" ? spec.timesliceTarget : null,
    threshold: spec.threshold,
    alertWindows: spec.alerts as unknown as Prisma.InputJsonValue,
  };
}

async function resetHistory(tx: Tx, sloId: string) {
  await tx.slo.update({ where: { id: sloId }, data: { noDataReason: null, noDataSince: null } });
  await tx.sliBucket.deleteMany({ where: { sloId } });
  await tx.sloSnapshot.deleteMany({ where: { sloId } });
  await tx.sloAlert.updateMany({
    where: { sloId, resolvedAt: null },
    data: { resolvedAt: clock.now() },
  });
}

/**
 * With Prometheus as the metrics source, latency is counted from a histogram, and only at a
 * bucket boundary: any other threshold matches no series. So a latency threshold that is new
 * (a new SLO, or one that now measures differently than `stored`) must be a boundary Prometheus
 * has for the service (or, for a service that reports nothing yet, for any service). Reading
 * them is I/O, so this runs before the transaction; when Prometheus does not answer, the save
 * is refused rather than accepted blindly.
 */
async function assertLatencyThresholds(
  specs: SloSpec[],
  stored: Map<string, SloSpec>,
): Promise<void> {
  // a person waits for this: a Prometheus that is out refuses the save at once, with the reason
  const source = pageMetrics();
  if (!source.latencyBuckets) return;
  const checked = specs.filter((s) => {
    const before = stored.get(s.name);
    return s.sliKind === "latency" && (!before || measuresDifferently(before, s));
  });
  if (checked.length === 0) return;
  const read = async (selector: Selector): Promise<LatencyBuckets> => {
    try {
      return await source.latencyBuckets!(selector);
    } catch (error) {
      throw new AppError(
        "UNAVAILABLE",
        `Prometheus did not answer (${error instanceof Error ? error.message : "unreachable"}), so the latency threshold of ${checked.map((s) => s.name).join(", ")} cannot be checked against its histogram's bucket boundaries. Try again when Prometheus answers.`,
      );
    }
  };
  const byService = new Map<string, LatencyBuckets>();
  const problems: string[] = [];
  for (const spec of checked) {
    let buckets = byService.get(spec.service);
    if (!buckets) {
      buckets = await read({ model: spec.service });
      if (buckets.boundariesSeconds.length === 0) buckets = await read({});
      byService.set(spec.service, buckets);
    }
    const problem =
      buckets.boundariesSeconds.length === 0
        ? `Prometheus has no ${buckets.metric}_bucket series to read the bucket boundaries of, so a latency threshold cannot be checked yet.`
        : latencyThresholdProblem(spec.threshold ?? 0, buckets.boundariesSeconds, buckets.metric);
    if (problem) problems.push(`SLO ${spec.name}: ${problem}`);
  }
  if (problems.length > 0) throw new AppError("INVALID_INPUT", problems.join(" "));
}

/** The stored definitions of these names, for deciding what an apply or edit changes. */
async function storedSpecs(names: string[]): Promise<Map<string, SloSpec>> {
  const rows = await db().slo.findMany({
    where: { name: { in: names } },
    select: SLO_DEFINITION_SELECT,
  });
  return new Map(rows.map((r) => [r.name, sloSpecOf(r)]));
}

/** Same definition, compared field by field in a stable form. */
export function sameSpec(a: SloSpec, b: SloSpec): boolean {
  const canonical = (s: SloSpec) =>
    JSON.stringify(sloSpecSchema.parse({ ...s, displayName: s.displayName || undefined }));
  return canonical(a) === canonical(b);
}

/** A stored SLO with what decides whether it holds its service's releases: its status and the policy. */
const GUARDED_SLO_SELECT = {
  ...SLO_DEFINITION_SELECT,
  teamId: true,
  model: { select: { name: true, budgetPolicy: true } },
  snapshot: { select: { status: true } },
} satisfies Prisma.SloSelect;
type GuardedSlo = Prisma.SloGetPayload<{ select: typeof GUARDED_SLO_SELECT }>;

/** A spent budget release holds the service's rollouts when its policy is enforce. */
const holdsReleases = (row: Pick<GuardedSlo, "model" | "snapshot">) =>
  row.model.budgetPolicy === "enforce" && row.snapshot?.status === "exhausted";

/**
 * An SLO whose budget is spent holds its service's releases while the service's policy is
 * enforce, so its own team must not lift the release hold by deleting the SLO or editing it into
 * something that is not exhausted (see holdLiftingChange). Such a change takes an admin with a
 * reason, which this returns for the audit record; null when the change needs no override.
 * `override` is null on paths that cannot carry a reason (imports).
 */
function budgetOverride(
  actor: Actor,
  row: GuardedSlo,
  after: SloSpec | null,
  override: { reason: string | null } | null,
): string | null {
  if (!holdsReleases(row)) return null;
  const change = holdLiftingChange(sloSpecOf(row), after);
  if (!change) return null;
  const why = `${row.name} has spent its error budget and the error-budget policy of ${row.model.name} is enforce: ${change} would lift the hold on its releases.`;
  if (!isAllowed(actor, "policy.override")) {
    throw new AppError("FORBIDDEN", `${why} Only an admin can make this change, with a reason.`);
  }
  if (!override) {
    throw new AppError(
      "INVALID_INPUT",
      `${why} An import cannot override the policy: change the SLO itself, with a reason.`,
    );
  }
  const reason = override.reason?.trim() ?? "";
  if (reason.length < MIN_OVERRIDE_REASON) {
    throw new AppError(
      "INVALID_INPUT",
      `${why} Give a reason for overriding the error-budget policy (at least ${MIN_OVERRIDE_REASON} characters).`,
    );
  }
  return reason;
}

/** Whether to offer SLO editing at all (each change is still authorized per team). */
export function canManageSlos(actor: Actor | null): boolean {
  return isAllowed(actor, "slo.manage");
}

/** Models and teams the specs name, or an INVALID_INPUT listing every one that is missing. */
async function resolveOwners(tx: Tx, specs: SloSpec[]) {
  const [models, teams] = await Promise.all([
    tx.model.findMany({
      where: { name: { in: [...new Set(specs.map((s) => s.service))] } },
      select: { id: true, name: true, teamId: true },
    }),
    tx.team.findMany({
      where: { slug: { in: [...new Set(specs.map((s) => s.team))] } },
      select: { id: true, slug: true },
    }),
  ]);
  const modelId = new Map(models.map((m) => [m.name, m.id]));
  const modelTeam = new Map(models.map((m) => [m.name, m.teamId]));
  const teamId = new Map(teams.map((t) => [t.slug, t.id]));
  const problems: string[] = [];
  for (const s of specs) {
    if (!modelId.has(s.service)) {
      problems.push(`SLO ${s.name}: no model (service) named "${s.service}".`);
    }
    if (!teamId.has(s.team)) problems.push(`SLO ${s.name}: no team "${s.team}".`);
  }
  if (problems.length > 0) throw new AppError("INVALID_INPUT", problems.join(" "));
  return {
    modelId: (s: SloSpec) => modelId.get(s.service)!,
    teamId: (s: SloSpec) => teamId.get(s.team)!,
    /** the team that owns the service: its SLOs can hold the service's releases */
    serviceTeamId: (s: SloSpec) => modelTeam.get(s.service)!,
  };
}

export interface SloDefinition {
  id: string;
  version: number;
  spec: SloSpec;
}

export async function getSloDefinition(
  actor: Actor | null,
  name: string,
): Promise<SloDefinition | null> {
  assertCanRead(actor);
  const row = await db().slo.findUnique({ where: { name }, select: SLO_DEFINITION_SELECT });
  return row ? { id: row.id, version: row.version, spec: sloSpecOf(row) } : null;
}

/** Every SLO's definition (optionally one team's or service's), for export. */
export async function listSloSpecs(
  actor: Actor | null,
  filter: { team?: string; service?: string; names?: string[] } = {},
): Promise<SloSpec[]> {
  assertCanRead(actor);
  const rows = await db().slo.findMany({
    where: {
      ...(filter.team ? { team: { slug: filter.team } } : {}),
      ...(filter.service ? { model: { name: filter.service } } : {}),
      ...(filter.names ? { name: { in: filter.names } } : {}),
    },
    orderBy: { name: "asc" },
    select: SLO_DEFINITION_SELECT,
  });
  return rows.map(sloSpecOf);
}

/** SLOs one import may hold: a team's set fits; a larger file is split. */
export const MAX_APPLY = 500;

export interface ApplyResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Creates or updates SLOs from definitions, all or nothing (an import, or `kubectl apply`):
 * new names are created, changed ones updated, identical ones left alone, so applying the
 * same file twice changes nothing. Each change is audited in the same transaction.
 */
export async function applySloSpecs(
  actor: Actor | null,
  meta: RequestMeta,
  input: unknown[],
  action = "slo.import",
): Promise<ApplyResult> {
  assertAllowed(actor, "slo.manage");
  const specs = input.map((s) => sloSpecSchema.parse(s));
  const names = specs.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new AppError("INVALID_INPUT", `SLO ${duplicate} is defined twice.`);
  if (specs.length > MAX_APPLY) {
    throw new AppError(
      "INVALID_INPUT",
      `Apply at most ${MAX_APPLY} SLOs at once; got ${specs.length}.`,
    );
  }
  await assertLatencyThresholds(specs, await storedSpecs(names));
  return db().$transaction(
    async (tx) => {
      const owners = await resolveOwners(tx, specs);
      const existing = await tx.slo.findMany({
        where: { name: { in: names } },
        select: GUARDED_SLO_SELECT,
      });
      const byName = new Map(existing.map((e) => [e.name, e]));
      const result: ApplyResult = { created: [], updated: [], unchanged: [] };
      for (const spec of specs) {
        const before = byName.get(spec.name);
        // An SLO can hold its service's releases, so only the service's own team (or an admin)
        // may define one for it, whichever team it names as owner.
        assertAllowed(actor, "slo.manage", owners.teamId(spec));
        assertAllowed(actor, "slo.manage", owners.serviceTeamId(spec));
        if (before) assertAllowed(actor, "slo.manage", before.teamId);
        if (before && sameSpec(sloSpecOf(before), spec)) {
          result.unchanged.push(spec.name);
          continue;
        }
        if (before) budgetOverride(actor, before, spec, null);
        const data = {
          ...columnsOf(spec),
          modelId: owners.modelId(spec),
          teamId: owners.teamId(spec),
        };
        const row = before
          ? await tx.slo.update({
              where: { id: before.id },
              data: { ...data, version: { increment: 1 } },
              select: { id: true },
            })
          : await tx.slo.create({ data, select: { id: true } });
        if (before && measuresDifferently(sloSpecOf(before), spec)) await resetHistory(tx, row.id);
        await appendAudit(tx, {
          ...auditActor(actor, meta),
          action,
          targetType: "slo",
          targetId: row.id,
          outcome: "allowed",
          ...(before ? { before: sloSpecOf(before) as unknown as Prisma.InputJsonValue } : {}),
          after: spec as unknown as Prisma.InputJsonValue,
        });
        (before ? result.updated : result.created).push(spec.name);
      }
      return result;
    },
    { timeout: 60_000 },
  );
}

/**
 * Creates one SLO from the form or the API. A second identical submission (a double-click)
 * returns the first one; a different SLO of the same name is a conflict.
 */
export async function createSlo(
  actor: Actor | null,
  meta: RequestMeta,
  input: unknown,
): Promise<{ created: boolean; definition: SloDefinition }> {
  assertAllowed(actor, "slo.manage");
  const spec = sloSpecSchema.parse(input);
  const existing = await db().slo.findUnique({
    where: { name: spec.name },
    select: SLO_DEFINITION_SELECT,
  });
  if (existing) {
    if (sameSpec(sloSpecOf(existing), spec)) {
      return {
        created: false,
        definition: { id: existing.id, version: existing.version, spec: sloSpecOf(existing) },
      };
    }
    throw new AppError("CONFLICT", `An SLO named ${spec.name} already exists.`);
  }
  let applied: ApplyResult;
  try {
    applied = await applySloSpecs(actor, meta, [spec], "slo.create");
  } catch (error) {
    // Two different creations of one name raced: the loser hears it exists.
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `An SLO named ${spec.name} already exists.`);
    }
    throw error;
  }
  // A double submit that lost the race found the same SLO already there: not created again.
  if (applied.updated.length > 0) {
    throw new AppError("CONFLICT", `An SLO named ${spec.name} already exists.`);
  }
  const definition = await getSloDefinition(actor, spec.name);
  return { created: applied.created.length > 0, definition: definition! };
}

/**
 * Edits an SLO. `expectedVersion` is the version the user saw: if someone changed it since,
 * nothing is written and the conflict says so. Resubmitting what is already stored succeeds
 * without a change. An edit that would lift an error-budget release hold needs an admin's `overrideReason`.
 */
export async function updateSlo(
  actor: Actor | null,
  meta: RequestMeta,
  name: string,
  expectedVersion: number,
  input: unknown,
  overrideReason: string | null = null,
): Promise<SloDefinition> {
  assertAllowed(actor, "slo.manage");
  const spec = sloSpecSchema.parse(input);
  if (spec.name !== name) {
    throw new AppError("INVALID_INPUT", "An SLO's name cannot change; create a new SLO instead.");
  }
  const stored = await storedSpecs([name]);
  if (stored.has(name)) await assertLatencyThresholds([spec], stored);
  return db().$transaction(async (tx) => {
    const before = await tx.slo.findUnique({ where: { name }, select: GUARDED_SLO_SELECT });
    if (!before) throw new AppError("NOT_FOUND", `No SLO named ${name}.`);
    assertAllowed(actor, "slo.manage", before.teamId);
    const current = sloSpecOf(before);
    if (sameSpec(current, spec)) return { id: before.id, version: before.version, spec: current };
    assertVersion(
      before.version,
      expectedVersion,
      `Someone changed ${name} since you opened it (version ${expectedVersion}, now ${before.version}). Reload to see their change.`,
    );
    const owners = await resolveOwners(tx, [spec]);
    assertAllowed(actor, "slo.manage", owners.teamId(spec));
    assertAllowed(actor, "slo.manage", owners.serviceTeamId(spec));
    const override = budgetOverride(actor, before, spec, { reason: overrideReason });
    const updated = await tx.slo.updateMany({
      where: { id: before.id, version: expectedVersion },
      data: {
        ...columnsOf(spec),
        modelId: owners.modelId(spec),
        teamId: owners.teamId(spec),
        version: { increment: 1 },
      },
    });
    if (updated.count === 0) {
      throw new AppError("CONFLICT", `Someone changed ${name} at the same time. Reload and retry.`);
    }
    if (measuresDifferently(current, spec)) await resetHistory(tx, before.id);
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "slo.update",
      targetType: "slo",
      targetId: before.id,
      outcome: "allowed",
      before: current as unknown as Prisma.InputJsonValue,
      after: spec as unknown as Prisma.InputJsonValue,
      reason: override,
    });
    return { id: before.id, version: expectedVersion + 1, spec };
  });
}

/**
 * Deletes an SLO and its history; a second delete of the same one finds nothing to do. Deleting
 * an SLO that holds its service's releases needs an admin's `overrideReason`.
 */
export async function deleteSlo(
  actor: Actor | null,
  meta: RequestMeta,
  name: string,
  expectedVersion: number,
  overrideReason: string | null = null,
): Promise<{ deleted: boolean }> {
  assertAllowed(actor, "slo.manage");
  return db().$transaction(async (tx) => {
    const before = await tx.slo.findUnique({ where: { name }, select: GUARDED_SLO_SELECT });
    if (!before) return { deleted: false };
    assertAllowed(actor, "slo.manage", before.teamId);
    assertVersion(
      before.version,
      expectedVersion,
      `Someone changed ${name} since you opened it. Reload before deleting.`,
    );
    const override = budgetOverride(actor, before, null, { reason: overrideReason });
    await tx.slo.delete({ where: { id: before.id } });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "slo.delete",
      targetType: "slo",
      targetId: before.id,
      outcome: "allowed",
      before: sloSpecOf(before) as unknown as Prisma.InputJsonValue,
      reason: override,
    });
    return { deleted: true };
  });
}

/**
 * The release hold an SLO's spent budget puts on its service now, for the edit page: null when there
 * is none; otherwise the service, and whether the actor may lift it (with a reason).
 */
export async function sloReleaseHold(
  actor: Actor | null,
  name: string,
): Promise<{ service: string; canOverride: boolean } | null> {
  assertCanRead(actor);
  const row = await db().slo.findUnique({
    where: { name },
    select: { model: GUARDED_SLO_SELECT.model, snapshot: GUARDED_SLO_SELECT.snapshot },
  });
  if (!row || !holdsReleases(row)) return null;
  return { service: row.model.name, canOverride: isAllowed(actor, "policy.override") };
}

/**
 * The latency thresholds the metrics source can count at, for the form: null when any works
 * (the simulator); with Prometheus, its histogram's bucket boundaries in ms, or why they could
 * not be read (the save checks again).
 */
async function latencyBoundaries(): Promise<
  { metric: string; boundariesMs: number[] } | { error: string } | null
> {
  const source = pageMetrics();
  if (!source.latencyBuckets) return null;
  try {
    const { metric, boundariesSeconds } = await source.latencyBuckets({});
    return { metric, boundariesMs: boundariesMs(boundariesSeconds) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : "Prometheus did not answer." };
  }
}

/** Services (models) and teams an SLO may name, and the latency thresholds, for the form. */
export async function sloFormOptions(actor: Actor | null) {
  assertCanRead(actor);
  const [models, teams, latency] = await Promise.all([
    db().model.findMany({ orderBy: { name: "asc" }, select: { name: true } }),
    db().team.findMany({ orderBy: { name: "asc" }, select: { id: true, slug: true, name: true } }),
    latencyBoundaries(),
  ]);
  // A new SLO belongs to the author's team unless they choose another (admins may).
  const own = teams.find((t) => t.id === actor.teamId);
  return {
    services: models.map((m) => m.name),
    teams: teams.map(({ slug, name }) => ({ slug, name })),
    defaultTeam: own?.slug ?? null,
    latencyBoundaries: latency,
  };
}
