import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import { db, Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/errors";
import type { Actor } from "@/server/auth/session";
import { principalOf } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-context";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  applyStartedRollouts,
  lockModelReleases,
  startReleaseInTransaction,
} from "@/server/rollouts/commands";
import { evaluatePromotionGates, type GateReport } from "@/server/promotions/gates";
import { lineageOf, lineageSelect } from "@/server/models/lineage";
import type { Lineage } from "@/lib/domain/models/registry";
import {
  approvalCount,
  blockingReason,
  canDecide,
  evalMetricRecord,
  evalThresholdsSchema,
  gatesPass,
  promotionTransition,
  requiredApprovals,
  type EvalThreshold,
  type Gate,
  type PromotionStatus,
  type PromotionSummary,
} from "@/lib/domain/promotions/gates";
import type { Decision } from "@/lib/domain/access/policy";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { startRolloutSchema } from "@/lib/schemas/rollouts";
import type {
  CreatePromotionData,
  DecidePromotionData,
  EditPromotionData,
  PromotionListQuery,
  PromotionRefData,
} from "@/lib/schemas/promotions";

/**
 * Approving may start a release, which reads the platform inside the transaction; edits and
 * withdrawals may wait for such a transaction's row lock.
 */
const TX_OPTIONS = { timeout: 30_000, maxWait: 10_000 } as const;

// ---------------------------------------------------------------------------------------------
// Reads

const ROW_SELECT = {
  id: true,
  number: true,
  status: true,
  tier: true,
  regions: true,
  fix: true,
  requiredApprovals: true,
  requestedAt: true,
  decidedAt: true,
  blockedReason: true,
  model: { select: { name: true, displayName: true } },
  modelVersion: { select: { version: true } },
  requestedBy: { select: { name: true } },
  approvals: { select: { approverId: true, decision: true } },
} as const;

type RowRecord = Prisma.PromotionRequestGetPayload<{ select: typeof ROW_SELECT }>;

function toRow(r: RowRecord): PromotionSummary {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    model: r.model.name,
    modelDisplayName: r.model.displayName,
    version: r.modelVersion.version,
    tier: r.tier,
    regions: r.regions,
    fix: r.fix,
    approvals: approvalCount(r.approvals),
    requiredApprovals: r.requiredApprovals,
    requestedBy: r.requestedBy.name,
    requestedAt: r.requestedAt,
    decidedAt: r.decidedAt,
    blockedReason: r.blockedReason,
  };
}

/** Requests, newest first, filtered by status, model and "mine"; paginated in the database. */
export async function listPromotions(
  actor: Actor | null,
  query: PromotionListQuery,
): Promise<Page<PromotionSummary>> {
  assertCanRead(actor);
  const where: Prisma.PromotionRequestWhereInput = {
    ...(query.status === "open"
      ? { status: { in: ["pending", "approved"] } }
      : query.status
        ? { status: query.status }
        : {}),
    ...(query.model ? { model: { name: query.model } } : {}),
    ...(query.mine ? { requestedById: actor.id } : {}),
    ...(query.env ? { tier: query.env } : {}),
    ...(query.region ? { regions: { has: query.region } } : {}),
  };
  const total = await db().promotionRequest.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rows = await db().promotionRequest.findMany({
    where,
    orderBy: { requestedAt: "desc" },
    skip,
    take,
    select: ROW_SELECT,
  });
  return toPage(rows.map(toRow), total, page, PAGE_SIZE);
}

/** Pending requests this person may decide on: their team's (all, for admins), not their own. */
function awaitingWhere(actor: Actor): Prisma.PromotionRequestWhereInput {
  return {
    status: "pending",
    requestedById: { not: actor.id },
    approvals: { none: { approverId: actor.id } },
    ...(actor.role === "admin" ? {} : { model: { teamId: actor.teamId ?? "" } }),
  };
}

/** How many requests wait for this person's decision: the navigation badge. */
export async function pendingApprovalCount(actor: Actor | null): Promise<number> {
  if (!actor || actor.kind !== "user" || !isAllowed(actor, "promotion.approve")) return 0;
  return db().promotionRequest.count({ where: awaitingWhere(actor) });
}

/** The home page's queue: requests waiting for this person, and their own open requests. */
export async function promotionQueue(
  actor: Actor | null,
  limit = 5,
): Promise<{ awaiting: PromotionSummary[]; awaitingTotal: number; mine: PromotionSummary[] }> {
  assertCanRead(actor);
  const approver = actor.kind === "user" && isAllowed(actor, "promotion.approve");
  const [awaiting, awaitingTotal, mine] = await Promise.all([
    approver
      ? db().promotionRequest.findMany({
          where: awaitingWhere(actor),
          orderBy: { requestedAt: "asc" },
          take: limit,
          select: ROW_SELECT,
        })
      : Promise.resolve([]),
    approver ? db().promotionRequest.count({ where: awaitingWhere(actor) }) : Promise.resolve(0),
    db().promotionRequest.findMany({
      where: {
        requestedById: actor.id,
        OR: [
          { status: { in: ["pending", "approved"] } },
          { decidedAt: { gte: new Date(Date.now() - 7 * 86_400_000) } },
        ],
      },
      orderBy: { requestedAt: "desc" },
      take: limit,
      select: ROW_SELECT,
    }),
  ]);
  return { awaiting: awaiting.map(toRow), awaitingTotal, mine: mine.map(toRow) };
}

export interface PromotionDetail extends PromotionSummary {
  /** the request's version for optimistic concurrency */
  rowVersion: number;
  justification: string;
  environments: string[];
  updatedAt: Date;
  releaseId: string | null;
  requestedById: string;
  requestedByEmail: string;
  model: string;
  teamName: string;
  candidate: {
    version: string;
    lineage: Lineage;
    evalMetrics: Record<string, number>;
    createdAt: Date;
    createdBy: string;
  };
  thresholds: EvalThreshold[];
  production: GateReport["production"];
  /** live while the request is open; as they stood at the decision afterwards */
  gates: Gate[];
  gatesLive: boolean;
  gatesPass: boolean;
  /** whether the gates pass once this viewer approves (an admin's approval overrides a budget) */
  gatesPassOnYourApproval: boolean;
  evaluatedAt: Date | null;
  decisions: {
    approver: string;
    approverEmail: string;
    decision: "approve" | "reject";
    comment: string;
    at: Date;
  }[];
  rollouts: {
    id: string;
    environment: string;
    wave: number;
    status: string;
    currentWeight: number;
  }[];
  can: { decide: Decision; edit: boolean; withdraw: boolean; start: boolean };
  /** regions the model runs in for this tier, for editing */
  regionChoices: string[];
}

/** One request with all its evidence: lineage, eval against thresholds and production, gates. */
export async function getPromotion(actor: Actor | null, number: number): Promise<PromotionDetail> {
  assertCanRead(actor);
  const r = await db().promotionRequest.findUnique({
    where: { number },
    select: {
      ...ROW_SELECT,
      version: true,
      justification: true,
      updatedAt: true,
      releaseId: true,
      gates: true,
      gatesEvaluatedAt: true,
      requestedById: true,
      requestedBy: { select: { name: true, email: true } },
      model: {
        select: {
          id: true,
          name: true,
          displayName: true,
          teamId: true,
          evalThresholds: true,
          resources: true,
          rolloutPlan: true,
          team: { select: { name: true } },
        },
      },
      modelVersion: {
        select: {
          id: true,
          version: true,
          ...lineageSelect,
          evalMetrics: true,
          createdAt: true,
          createdBy: true,
        },
      },
      approvals: {
        orderBy: { at: "asc" },
        select: {
          approverId: true,
          decision: true,
          comment: true,
          at: true,
          asAdmin: true,
          approver: { select: { name: true, email: true } },
        },
      },
    },
  });
  if (!r) throw new AppError("NOT_FOUND", `No promotion request #${number}.`);
  const open = r.status === "pending" || r.status === "approved";
  const [report, rollouts, regionRows] = await Promise.all([
    open
      ? evaluatePromotionGates({
          model: r.model,
          version: r.modelVersion,
          tier: r.tier,
          regions: r.regions,
          fix: r.fix,
          justification: r.justification,
          adminApproved: adminApproved(r.approvals),
        })
      : null,
    r.releaseId
      ? db().rollout.findMany({
          where: { releaseId: r.releaseId },
          orderBy: [{ wave: "asc" }, { createdAt: "asc" }],
          select: {
            id: true,
            wave: true,
            status: true,
            currentWeight: true,
            environment: { select: { name: true } },
          },
        })
      : Promise.resolve([]),
    regionsOf(r.model.id, r.tier),
  ]);
  const stored = (r.gates as Gate[] | null) ?? [];
  const gates = report?.gates ?? stored;
  const thresholds = evalThresholdsSchema.safeParse(r.model.evalThresholds ?? []);
  const requester = actor.kind === "user" && actor.id === r.requestedById;
  const approverApprovals = r.approvals.map((a) => ({
    approverId: a.approverId,
    decision: a.decision,
  }));
  return {
    ...toRow({ ...r, approvals: approverApprovals }),
    rowVersion: r.version,
    justification: r.justification,
    environments: r.regions.map((code) => `${r.tier}/${code}`),
    updatedAt: r.updatedAt,
    releaseId: r.releaseId,
    requestedById: r.requestedById,
    requestedByEmail: r.requestedBy.email,
    teamName: r.model.team.name,
    candidate: {
      version: r.modelVersion.version,
      lineage: lineageOf(r.modelVersion),
      evalMetrics: evalMetricRecord(r.modelVersion.evalMetrics),
      createdAt: r.modelVersion.createdAt,
      createdBy: r.modelVersion.createdBy,
    },
    thresholds: thresholds.success ? thresholds.data : [],
    production:
      report?.production ??
      (await productionVersion(r.model.id).then((p) =>
        p ? { version: p.version, metrics: evalMetricRecord(p.evalMetrics) } : null,
      )),
    gates,
    gatesLive: report !== null,
    gatesPass: gatesPass(gates),
    evaluatedAt: report?.evaluatedAt ?? r.gatesEvaluatedAt,
    gatesPassOnYourApproval:
      gatesPass(gates) ||
      // an admin's approval of a fix overrides the exhausted budget that blocks it now
      (actor.role === "admin" &&
        r.fix &&
        gates.every((g) => g.id === "budget" || g.status === "pass" || g.status === "warn")),
    decisions: r.approvals.map((a) => ({
      approver: a.approver.name,
      approverEmail: a.approver.email,
      decision: a.decision,
      comment: a.comment,
      at: a.at,
    })),
    rollouts: rollouts.map((x) => ({
      id: x.id,
      environment: x.environment.name,
      wave: x.wave,
      status: x.status,
      currentWeight: x.currentWeight,
    })),
    can: {
      decide:
        actor.kind === "user"
          ? canDecide(principalOf(actor), actor.id, {
              requestedById: r.requestedById,
              status: r.status,
              modelTeamId: r.model.teamId,
              approvals: approverApprovals,
            })
          : { allowed: false, reason: "Only people decide on promotions." },
      edit: open && requester && isAllowed(actor, "promotion.request", r.model.teamId),
      withdraw:
        open && ((requester && isAllowed(actor, "promotion.request")) || actor.role === "admin"),
      start:
        r.status === "approved" &&
        !requester &&
        isAllowed(actor, "promotion.approve", r.model.teamId),
    },
    regionChoices: regionRows,
  };
}

/** The version serving the largest share of production traffic. */
async function productionVersion(modelId: string) {
  const rows = await db().deployment.findMany({
    where: { modelId, environment: { tier: "production" } },
    orderBy: { trafficWeight: "desc" },
    take: 1,
    select: { modelVersion: { select: { version: true, evalMetrics: true } } },
  });
  return rows[0]?.modelVersion ?? null;
}

/** Region codes the model runs in for a tier (where a promotion into that tier can go). */
async function regionsOf(modelId: string, tier: "staging" | "production"): Promise<string[]> {
  const rows = await db().deployment.findMany({
    where: { modelId, environment: { tier } },
    distinct: ["environmentId"],
    select: { environment: { select: { region: { select: { code: true } } } } },
  });
  return [...new Set(rows.map((r) => r.environment.region.code))].sort();
}

export interface PromotionFormModel {
  name: string;
  displayName: string;
  versions: { version: string; createdAt: Date; production: boolean; staging: boolean }[];
  regions: { staging: string[]; production: string[] };
}

/**
 * Models this person may request promotions for, their recent versions and where they run;
 * `wanted` (from a version page's link) is listed even when older than the recent ones.
 */
export async function promotionFormOptions(
  actor: Actor | null,
  wanted?: { model?: string; version?: string },
): Promise<PromotionFormModel[]> {
  assertAllowed(actor, "promotion.request");
  const models = await db().model.findMany({
    where: actor.role === "admin" || actor.kind === "token" ? {} : { teamId: actor.teamId ?? "" },
    orderBy: { name: "asc" },
    select: {
      name: true,
      displayName: true,
      versions: {
        orderBy: { createdAt: "desc" },
        take: 20,
        select: { id: true, version: true, createdAt: true },
      },
      id: true,
      deployments: {
        select: {
          modelVersionId: true,
          environment: { select: { tier: true, region: { select: { code: true } } } },
        },
      },
    },
  });
  const target = models.find((m) => m.name === wanted?.model);
  if (target && wanted?.version && !target.versions.some((v) => v.version === wanted.version)) {
    const older = await db().modelVersion.findFirst({
      where: { modelId: target.id, version: wanted.version },
      select: { id: true, version: true, createdAt: true },
    });
    if (older) target.versions.push(older);
  }
  return models.map((m) => {
    const where = (tier: "staging" | "production") =>
      [
        ...new Set(
          m.deployments
            .filter((d) => d.environment.tier === tier)
            .map((d) => d.environment.region.code),
        ),
      ].sort();
    return {
      name: m.name,
      displayName: m.displayName,
      versions: m.versions.map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        production: m.deployments.some(
          (d) => d.modelVersionId === v.id && d.environment.tier === "production",
        ),
        staging: m.deployments.some(
          (d) => d.modelVersionId === v.id && d.environment.tier === "staging",
        ),
      })),
      regions: { staging: where("staging"), production: where("production") },
    };
  });
}

export function canRequestPromotions(actor: Actor | null): boolean {
  return isAllowed(actor, "promotion.request");
}

// ---------------------------------------------------------------------------------------------
// Changes

async function targetEnvironments(
  client: Tx,
  modelId: string,
  modelName: string,
  tier: "staging" | "production",
  requested: string[],
) {
  const available = await regionsOfIn(client, modelId, tier);
  if (available.length === 0) {
    throw new AppError("INVALID_INPUT", `${modelName} does not run in ${tier} anywhere.`);
  }
  const regions = requested.length === 0 ? available : requested;
  const unknown = regions.filter((r) => !available.includes(r));
  if (unknown.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${modelName} does not run in ${unknown.map((r) => `${tier}/${r}`).join(", ")}; choose from ${available.join(", ")}.`,
    );
  }
  const envs = await client.environment.findMany({
    where: { tier, region: { code: { in: regions } } },
    select: { requiredApprovals: true },
  });
  return { regions: [...regions].sort(), required: requiredApprovals(envs) };
}

async function regionsOfIn(client: Tx, modelId: string, tier: "staging" | "production") {
  const rows = await client.deployment.findMany({
    where: { modelId, environment: { tier } },
    select: { environment: { select: { region: { select: { code: true } } } } },
  });
  return [...new Set(rows.map((r) => r.environment.region.code))].sort();
}

/**
 * Asks to promote a version into a tier. Only release managers of the model's team (or admins);
 * one open request per version and tier; the same request submitted twice returns the first.
 */
export async function createPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: CreatePromotionData,
): Promise<{ number: number; created: boolean }> {
  assertAllowed(actor, "promotion.request");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are requested by people, not API tokens.");
  }
  const model = await db().model.findUnique({
    where: { name: input.model },
    select: { id: true, name: true, teamId: true },
  });
  if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
  assertAllowed(actor, "promotion.request", model.teamId);
  const version = await db().modelVersion.findFirst({
    where: { modelId: model.id, version: input.version },
    select: { id: true, version: true },
  });
  if (!version) {
    throw new AppError("INVALID_INPUT", `${model.name} has no version ${input.version}.`);
  }
  try {
    return await db().$transaction(async (tx) => {
      await advisoryLock(tx, LOCKS.promotionRequest(version.id, input.tier));
      const { regions, required } = await targetEnvironments(
        tx,
        model.id,
        model.name,
        input.tier,
        input.regions,
      );
      const open = await tx.promotionRequest.findFirst({
        where: {
          modelVersionId: version.id,
          tier: input.tier,
          status: { in: ["pending", "approved"] },
        },
        select: {
          number: true,
          requestedById: true,
          regions: true,
          fix: true,
          justification: true,
        },
      });
      if (open) {
        const same =
          open.requestedById === actor.id &&
          open.regions.join(",") === regions.join(",") &&
          open.fix === input.fix &&
          open.justification === input.justification;
        if (same) return { number: open.number, created: false };
        throw new AppError(
          "CONFLICT",
          `Request #${open.number} to promote ${model.name} ${version.version} to ${input.tier} is already open; change or withdraw that one.`,
        );
      }
      const serving = await tx.deployment.findMany({
        where: {
          modelVersionId: version.id,
          trafficWeight: 100,
          environment: { tier: input.tier, region: { code: { in: regions } } },
        },
        select: { environment: { select: { region: { select: { code: true } } } } },
      });
      const servingRegions = new Set(serving.map((d) => d.environment.region.code));
      if (regions.every((r) => servingRegions.has(r))) {
        throw new AppError(
          "INVALID_INPUT",
          `${model.name} ${version.version} already serves all ${input.tier} traffic in ${regions.join(", ")}.`,
        );
      }
      const created = await tx.promotionRequest.create({
        data: {
          modelId: model.id,
          modelVersionId: version.id,
          tier: input.tier,
          regions,
          fix: input.fix,
          justification: input.justification,
          requiredApprovals: required,
          requestedById: actor.id,
        },
        select: { id: true, number: true },
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "promotion.request",
        targetType: "promotion",
        targetId: created.id,
        outcome: "allowed",
        after: {
          number: created.number,
          model: model.name,
          version: version.version,
          tier: input.tier,
          regions,
          fix: input.fix,
          requiredApprovals: required,
        },
        reason: input.justification,
      });
      return { number: created.number, created: true };
    });
  } catch (error) {
    // Another requester's identical request won the partial unique index.
    if (isUniqueViolation(error)) {
      throw new AppError(
        "CONFLICT",
        `A request to promote ${model.name} ${version.version} to ${input.tier} is already open.`,
      );
    }
    throw error;
  }
}

const LOCKED_SELECT = {
  id: true,
  number: true,
  status: true,
  version: true,
  tier: true,
  regions: true,
  fix: true,
  justification: true,
  requiredApprovals: true,
  requestedById: true,
  releaseId: true,
  blockedReason: true,
  updatedAt: true,
  model: {
    select: {
      id: true,
      name: true,
      teamId: true,
      evalThresholds: true,
      resources: true,
      rolloutPlan: true,
    },
  },
  modelVersion: { select: { id: true, version: true, imageDigest: true, evalMetrics: true } },
  approvals: {
    select: {
      approverId: true,
      decision: true,
      asAdmin: true,
      approver: { select: { name: true, email: true } },
    },
  },
} as const;

type LockedRequest = Prisma.PromotionRequestGetPayload<{ select: typeof LOCKED_SELECT }>;

/** Locks the request row for this transaction and reads it. */
async function lockRequest(tx: Tx, id: string): Promise<LockedRequest> {
  await lockRow(tx, "PromotionRequest", id);
  const row = await tx.promotionRequest.findUnique({ where: { id }, select: LOCKED_SELECT });
  if (!row) throw new AppError("NOT_FOUND", "No such promotion request.");
  return row;
}

/** An admin approved: for a fix, that overrides an exhausted, enforced error budget. */
function adminApproved(approvals: readonly { decision: string; asAdmin: boolean }[]): boolean {
  return approvals.some((a) => a.decision === "approve" && a.asAdmin);
}

function gateSubject(row: LockedRequest, admin: boolean) {
  return {
    model: row.model,
    version: row.modelVersion,
    tier: row.tier,
    regions: row.regions,
    fix: row.fix,
    justification: row.justification,
    adminApproved: admin,
  };
}

/**
 * Gates read the registry, the fleet and the metrics source, which must not happen while the
 * request's row is locked (other deciders would queue behind slow metrics). So when an action
 * may start the release, the gates are judged first, unlocked; the locked transaction reuses
 * the report when the request is still as it was read (same version and admin approvals).
 */
async function judgeBeforeLocking(
  requestId: string,
  willStart: (row: LockedRequest) => boolean,
  admin: (row: LockedRequest) => boolean,
): Promise<PreJudged | null> {
  const row = await db().promotionRequest.findUnique({
    where: { id: requestId },
    select: LOCKED_SELECT,
  });
  if (!row || !willStart(row)) return null;
  const a = admin(row);
  return {
    version: row.version,
    adminApproved: a,
    report: await evaluatePromotionGates(gateSubject(row, a)),
  };
}

interface PreJudged {
  version: number;
  adminApproved: boolean;
  report: GateReport;
}

/** The request changed since the user read it: say how, so they can look again. */
function assertCurrent(row: LockedRequest, seen: number): void {
  const what =
    row.status === "withdrawn"
      ? "was withdrawn"
      : row.status === "rejected"
        ? "was rejected"
        : row.status === "started"
          ? "was approved and started"
          : row.status === "approved"
            ? "was approved"
            : "was changed";
  assertVersion(
    row.version,
    seen,
    `Request #${row.number} ${what} while you were looking at it; nothing was recorded. Review it again.`,
  );
}

export interface DecisionResult {
  number: number;
  status: PromotionStatus;
  approvals: number;
  requiredApprovals: number;
  releaseId: string | null;
  blockedReason: string | null;
  alreadyDecided: boolean;
}

function decisionResult(
  row: Pick<
    LockedRequest,
    "number" | "status" | "requiredApprovals" | "releaseId" | "blockedReason"
  >,
  approvals: number,
  alreadyDecided: boolean,
): DecisionResult {
  return {
    number: row.number,
    status: row.status,
    approvals,
    requiredApprovals: row.requiredApprovals,
    releaseId: row.releaseId,
    blockedReason: row.blockedReason,
    alreadyDecided,
  };
}

/**
 * Approves or rejects a request. Each release manager decides once (a double-click is
 * harmless); the requester never decides; a request changed or withdrawn meanwhile fails with a
 * conflict. The approval that completes the count starts the release when every gate passes.
 */
export async function decidePromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: DecidePromotionData,
): Promise<DecisionResult> {
  assertAllowed(actor, "promotion.approve");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are approved by people, not API tokens.");
  }
  const asAdmin = actor.role === "admin";
  const pre =
    input.decision === "approve"
      ? await judgeBeforeLocking(
          input.requestId,
          (r) =>
            r.status === "pending" &&
            !r.approvals.some((a) => a.approverId === actor.id) &&
            approvalCount(r.approvals) + 1 >= r.requiredApprovals,
          (r) => asAdmin || adminApproved(r.approvals),
        )
      : null;
  const result = await db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    assertAllowed(actor, "promotion.approve", row.model.teamId);
    const mine = row.approvals.find((a) => a.approverId === actor.id);
    if (mine && mine.decision === input.decision) {
      return { result: decisionResult(row, approvalCount(row.approvals), true), kick: [] };
    }
    assertCurrent(row, input.version);
    const decision = canDecide(principalOf(actor), actor.id, {
      requestedById: row.requestedById,
      status: row.status,
      modelTeamId: row.model.teamId,
      approvals: row.approvals,
    });
    if (!decision.allowed) {
      throw new AppError(
        row.requestedById === actor.id ? "FORBIDDEN" : "CONFLICT",
        decision.reason,
      );
    }
    await tx.promotionApproval.create({
      data: {
        requestId: row.id,
        approverId: actor.id,
        decision: input.decision,
        asAdmin,
        comment: input.comment,
      },
    });
    const approvals = [...row.approvals, { approverId: actor.id, decision: input.decision }];
    const count = approvalCount(approvals);
    const audit = {
      ...auditActor(actor, meta),
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed" as const,
      reason: input.comment || null,
    };

    if (input.decision === "reject") {
      await tx.promotionRequest.update({
        where: { id: row.id },
        data: { status: "rejected", decidedAt: new Date(), version: { increment: 1 } },
      });
      await appendAudit(tx, {
        ...audit,
        action: "promotion.reject",
        before: { status: row.status },
        after: { number: row.number, status: "rejected" },
      });
      return {
        result: decisionResult({ ...row, status: "rejected" }, count, false),
        kick: [],
      };
    }
    if (count < row.requiredApprovals) {
      await appendAudit(tx, {
        ...audit,
        action: "promotion.approve",
        after: { number: row.number, approvals: count, requiredApprovals: row.requiredApprovals },
      });
      return { result: decisionResult(row, count, false), kick: [] };
    }
    const started = await startOrBlock(
      tx,
      actor,
      meta,
      row,
      asAdmin || adminApproved(row.approvals),
      [
        ...row.approvals.filter((a) => a.decision === "approve").map((a) => a.approver.email),
        actor.email,
      ],
      pre,
    );
    await appendAudit(tx, {
      ...audit,
      action: "promotion.approve",
      before: { status: row.status },
      after: {
        number: row.number,
        approvals: count,
        requiredApprovals: row.requiredApprovals,
        status: started.status,
        ...(started.releaseId ? { releaseId: started.releaseId } : {}),
        ...(started.blockedReason ? { blockedReason: started.blockedReason } : {}),
      },
    });
    return {
      result: decisionResult({ ...row, ...started }, count, false),
      kick: started.kick,
    };
  }, TX_OPTIONS);
  await applyStartedRollouts(result.kick);
  return result.result;
}

/**
 * The last approval landed (or a release manager retries an approved request): starts the
 * release when every gate passes, else records why it is blocked. Runs in the caller's
 * transaction, holding the request's row lock.
 */
async function startOrBlock(
  tx: Tx,
  actor: Actor,
  meta: RequestMeta,
  row: LockedRequest,
  admin: boolean,
  approvers: string[],
  pre: PreJudged | null,
): Promise<{
  status: PromotionStatus;
  releaseId: string | null;
  blockedReason: string | null;
  kick: string[];
}> {
  const report =
    pre && pre.version === row.version && pre.adminApproved === admin
      ? pre.report
      : await evaluatePromotionGates(gateSubject(row, admin));
  const gates = report.gates as unknown as Prisma.InputJsonValue;
  const gatesEvaluatedAt = report.evaluatedAt;
  const block = async (reason: string) => {
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: {
        status: "approved",
        blockedReason: reason,
        gates,
        gatesEvaluatedAt,
        decidedAt: new Date(),
        version: { increment: 1 },
      },
    });
    return { status: "approved" as const, releaseId: null, blockedReason: reason, kick: [] };
  };
  const blocked = blockingReason(report.gates);
  if (blocked) return block(blocked);
  const budget = report.gates.find((g) => g.id === "budget");
  await lockModelReleases(tx, row.model.id);
  let release;
  try {
    release = await startReleaseInTransaction(tx, actor, meta, {
      model: row.model,
      version: row.modelVersion,
      input: startRolloutSchema.parse({
        model: row.model.name,
        version: row.modelVersion.version,
        fix: row.fix,
      }),
      budgetOverride: budget?.override ? row.justification : null,
      budgetWarning: budget?.status === "warn" ? budget.summary : null,
      environments: row.regions.map((r) => `${row.tier}/${r}`),
      promotion: { id: row.id, number: row.number, approvers },
    });
  } catch (error) {
    // The platform refused (another rollout in progress, a region gone): keep the approvals.
    if (error instanceof AppError) return block(error.message);
    throw error;
  }
  const transition = promotionTransition("approved", "start");
  if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
  await tx.promotionRequest.update({
    where: { id: row.id },
    data: {
      status: transition.next,
      releaseId: release.releaseId,
      blockedReason: null,
      gates,
      gatesEvaluatedAt,
      decidedAt: new Date(),
      version: { increment: 1 },
    },
  });
  return {
    status: transition.next,
    releaseId: release.releaseId,
    blockedReason: null,
    kick: release.kick,
  };
}

/**
 * Starts an approved request that a gate blocked, once the gates pass (release managers). When
 * a gate still fails, the request stays approved with the new reason.
 */
export async function startPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: PromotionRefData,
): Promise<DecisionResult> {
  assertAllowed(actor, "promotion.approve");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are started by people, not API tokens.");
  }
  // An admin starting a fix overrides an exhausted budget, as an admin's approval would.
  const admin = (r: LockedRequest) => actor.role === "admin" || adminApproved(r.approvals);
  const pre = await judgeBeforeLocking(input.requestId, (r) => r.status === "approved", admin);
  const result = await db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    assertAllowed(actor, "promotion.approve", row.model.teamId);
    if (row.requestedById === actor.id) {
      throw new AppError(
        "FORBIDDEN",
        "You requested this promotion; someone else must start it, as they approve it.",
      );
    }
    if (row.status === "started") {
      return { result: decisionResult(row, approvalCount(row.approvals), true), kick: [] };
    }
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "start");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    const approvers = row.approvals.filter((a) => a.decision === "approve");
    const started = await startOrBlock(
      tx,
      actor,
      meta,
      row,
      admin(row),
      approvers.map((a) => a.approver.email),
      pre,
    );
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.start",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: { status: row.status, blockedReason: row.blockedReason },
      after: {
        number: row.number,
        status: started.status,
        ...(started.releaseId ? { releaseId: started.releaseId } : {}),
        ...(started.blockedReason ? { blockedReason: started.blockedReason } : {}),
      },
    });
    return {
      result: decisionResult({ ...row, ...started }, approvalCount(row.approvals), false),
      kick: started.kick,
    };
  }, TX_OPTIONS);
  await applyStartedRollouts(result.kick);
  // Still blocked: the result says why (and the request records it), like the last approval.
  return result.result;
}

/**
 * The requester changes an open request (regions, fix, justification). Approvals given to the
 * old content no longer count, and approvals in flight fail with a conflict.
 */
export async function editPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: EditPromotionData,
): Promise<{ number: number; changed: boolean }> {
  assertAllowed(actor, "promotion.request");
  return db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    if (actor.id !== row.requestedById) {
      throw new AppError("FORBIDDEN", "Only the requester may change a promotion request.");
    }
    assertAllowed(actor, "promotion.request", row.model.teamId);
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "edit");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    const { regions, required } = await targetEnvironments(
      tx,
      row.model.id,
      row.model.name,
      row.tier,
      input.regions,
    );
    const unchanged =
      regions.join(",") === row.regions.join(",") &&
      input.fix === row.fix &&
      input.justification === row.justification;
    if (unchanged) return { number: row.number, changed: false };
    await tx.promotionApproval.deleteMany({ where: { requestId: row.id } });
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: {
        regions,
        fix: input.fix,
        justification: input.justification,
        requiredApprovals: required,
        status: transition.next,
        blockedReason: null,
        gates: Prisma.DbNull,
        gatesEvaluatedAt: null,
        decidedAt: null,
        version: { increment: 1 },
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.edit",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: {
        regions: row.regions,
        fix: row.fix,
        justification: row.justification,
        approvalsCleared: row.approvals.length,
      },
      after: { regions, fix: input.fix, justification: input.justification },
    });
    return { number: row.number, changed: true };
  }, TX_OPTIONS);
}

/** The requester (or an admin) withdraws an open request; withdrawing twice is harmless. */
export async function withdrawPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: PromotionRefData,
): Promise<{ number: number; status: PromotionStatus }> {
  assertAllowed(actor, "promotion.request");
  return db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    if (actor.id !== row.requestedById && actor.role !== "admin") {
      throw new AppError("FORBIDDEN", "Only the requester or an admin may withdraw a request.");
    }
    if (row.status === "withdrawn") return { number: row.number, status: row.status };
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "withdraw");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: { status: transition.next, decidedAt: new Date(), version: { increment: 1 } },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.withdraw",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: { status: row.status },
      after: { number: row.number, status: transition.next },
    });
    return { number: row.number, status: transition.next };
  }, TX_OPTIONS);
}
