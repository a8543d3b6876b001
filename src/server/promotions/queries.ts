import "server-only";
import { clock } from "@/lib/clock";
import type { Prisma } from "@/server/db/client";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { principalOf } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { evaluatePromotionGates, type GateReport } from "@/server/promotions/gates";
import { lineageOf, lineageSelect } from "@/server/models/lineage";
import type { Lineage } from "@/lib/domain/models/registry";
import {
  approvalCount,
  canDecide,
  evalMetricRecord,
  evalThresholdsSchema,
  gatesPass,
  type EvalThreshold,
  type Gate,
  type PromotionSummary,
} from "@/lib/domain/promotions/gates";
import type { Decision } from "@/lib/domain/access/policy";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import type { PromotionListQuery } from "@/lib/schemas/promotions";
import { adminApproved } from "@/server/promotions/request-row";

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
          { decidedAt: { gte: new Date(clock.ms() - 7 * 86_400_000) } },
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
