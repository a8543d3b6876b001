import { z } from "zod";
import { authorize, type Decision, type Principal } from "../access/policy";
import { budgetGate, type BudgetPolicy } from "../slos/budget";
import type { Tier } from "../models/registry";

/**
 * Promotion requests: the gates a version must pass to move into an environment tier, and the
 * rules of approval. Pure: the services gather the evidence and apply the outcome.
 */

/** A bar a version's eval metric must clear, and the regression tolerated against production. */
export const evalThresholdSchema = z
  .object({
    metric: z.string().trim().min(1).max(100),
    /** which way is better */
    direction: z.enum(["higher", "lower"]),
    /** the minimum (higher is better) or maximum (lower is better) accepted */
    bound: z.number().finite().optional(),
    /** how much worse than the version in production it may be; absent: not compared */
    maxRegression: z.number().finite().min(0).optional(),
  })
  .strict();
export type EvalThreshold = z.infer<typeof evalThresholdSchema>;

export const evalThresholdsSchema = z
  .array(evalThresholdSchema)
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((t, i) => {
      if (seen.has(t.metric)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "metric"],
          message: `${t.metric} has two thresholds; give each metric one.`,
        });
      }
      seen.add(t.metric);
    });
  });

/** Serving resources per replica, which a deployment needs before it may be promoted. */
export const servingResourcesSchema = z
  .object({
    gpu: z.number().int().min(0).max(16),
    cpu: z.number().positive().max(512),
    memoryGi: z.number().positive().max(4096),
  })
  .strict();
export type ServingResources = z.infer<typeof servingResourcesSchema>;

/** A version's stored eval metrics as a record of numbers (anything else is skipped). */
export function evalMetricRecord(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw)) if (typeof v === "number") out[k] = v;
  }
  return out;
}

export type GateStatus = "pass" | "warn" | "fail" | "unknown";
export type GateId = "eval" | "deployment" | "budget" | "freeze";

export interface Evidence {
  label: string;
  value: string;
  status: GateStatus;
}

export interface Gate {
  id: GateId;
  title: string;
  status: GateStatus;
  summary: string;
  evidence: Evidence[];
  /** the budget gate let a fix through an exhausted, enforced budget on an admin's approval */
  override?: boolean;
}

const ORDER: Record<GateStatus, number> = { pass: 0, warn: 1, unknown: 2, fail: 3 };

/** The worst status of a set: one failure fails the gate; unknown blocks like a failure. */
export function worstStatus(statuses: readonly GateStatus[]): GateStatus {
  return statuses.reduce<GateStatus>((w, s) => (ORDER[s] > ORDER[w] ? s : w), "pass");
}

/** Gates pass when none failed and none is unknown; warnings do not block. */
export function gatesPass(gates: readonly Gate[]): boolean {
  return gates.every((g) => g.status === "pass" || g.status === "warn");
}

/** The first blocking gate's reason, for a request that cannot start. */
export function blockingReason(gates: readonly Gate[]): string | null {
  const blocking = gates.find((g) => g.status === "fail" || g.status === "unknown");
  return blocking ? `${blocking.title}: ${blocking.summary}` : null;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Eval metrics against the model's thresholds and against the version in production. */
export function evalGate(input: {
  candidate: Readonly<Record<string, number>>;
  production: { version: string; metrics: Readonly<Record<string, number>> } | null;
  thresholds: readonly EvalThreshold[] | null;
}): Gate {
  const title = "Eval metrics";
  if (!input.thresholds || input.thresholds.length === 0) {
    return {
      id: "eval",
      title,
      status: "fail",
      summary: "No eval thresholds are configured for this model, so nothing can be judged.",
      evidence: [],
    };
  }
  const evidence: Evidence[] = [];
  for (const t of input.thresholds) {
    const value = input.candidate[t.metric];
    if (value === undefined || !Number.isFinite(value)) {
      evidence.push({ label: t.metric, value: "not reported by this version", status: "fail" });
      continue;
    }
    const better = t.direction === "higher" ? "≥" : "≤";
    if (t.bound !== undefined) {
      const ok = t.direction === "higher" ? value >= t.bound : value <= t.bound;
      evidence.push({
        label: t.metric,
        value: `${fmt(value)} (needs ${better} ${fmt(t.bound)})`,
        status: ok ? "pass" : "fail",
      });
    }
    if (t.maxRegression !== undefined) {
      const prod = input.production?.metrics[t.metric];
      if (!input.production || prod === undefined || !Number.isFinite(prod)) {
        evidence.push({
          label: `${t.metric} vs production`,
          value: input.production
            ? `${input.production.version} does not report it`
            : "nothing in production to compare with",
          // a first release has nothing to regress from; a production version that never
          // measured the metric leaves the comparison unmade, which the approver should see
          status: input.production ? "warn" : "pass",
        });
        continue;
      }
      // Rounded so that a change of exactly the tolerance (0.7 against 0.8, may worsen by 0.1)
      // is not failed by binary noise.
      const delta = Number((value - prod).toFixed(9)) + 0;
      const ok = t.direction === "higher" ? delta >= -t.maxRegression : delta <= t.maxRegression;
      evidence.push({
        label: `${t.metric} vs production`,
        value: `${fmt(value)} vs ${fmt(prod)} in ${input.production.version} (${delta >= 0 ? "+" : "−"}${fmt(Math.abs(delta))}; may worsen by ${fmt(t.maxRegression)})`,
        status: ok ? "pass" : "fail",
      });
    }
    if (t.bound === undefined && t.maxRegression === undefined) {
      evidence.push({ label: t.metric, value: fmt(value), status: "pass" });
    }
  }
  const status = worstStatus(evidence.map((e) => e.status));
  const failed = evidence.filter((e) => e.status === "fail").map((e) => e.label);
  return {
    id: "eval",
    title,
    status,
    summary:
      status === "pass"
        ? `Meets all ${input.thresholds.length} thresholds.`
        : status === "warn"
          ? `Meets all ${input.thresholds.length} thresholds; not compared with production on ${evidence
              .filter((e) => e.status === "warn")
              .map((e) => e.label.replace(" vs production", ""))
              .join(", ")}.`
          : `Fails ${failed.join(", ")}.`,
    evidence,
  };
}

export interface SoakEvidence {
  /** the soak this tier needs, in minutes (0: none) */
  requiredMinutes: number;
  /** since when the version has served all staging traffic; null when it does not */
  servedSince: Date | null;
  /** the staging environment it served in */
  environment: string | null;
  /** replicas ready of desired in staging */
  ready: { ready: number; desired: number } | null;
  /** staging error rate now and the most it may be; null when metrics could not be read */
  errorRate: { value: number; limit: number } | null;
  metricsError?: string;
}

/**
 * Whether the deployment is ready to promote: image pinned by digest, resources and autoscaling
 * set, a rollout plan, and (into production) a healthy soak in staging.
 */
export function deploymentGate(input: {
  imageDigest: string;
  resources: unknown;
  /** each target environment's autoscaler, null where the model has none */
  autoscaling: { environment: string; min: number; max: number }[];
  /** target environments the model does not run in */
  missing: string[];
  plan: { present: boolean; error?: string };
  soak: SoakEvidence;
  now: Date;
}): Gate {
  const evidence: Evidence[] = [];
  evidence.push({
    label: "Image pinned by digest",
    value: input.imageDigest,
    status: /@sha256:[0-9a-f]{64}$/.test(input.imageDigest) ? "pass" : "fail",
  });
  const resources = servingResourcesSchema.safeParse(input.resources);
  evidence.push({
    label: "Resources per replica",
    value: resources.success
      ? `${resources.data.gpu} GPU · ${resources.data.cpu} CPU · ${resources.data.memoryGi} GiB`
      : "not set",
    status: resources.success ? "pass" : "fail",
  });
  for (const env of input.missing) {
    evidence.push({
      label: `Runs in ${env}`,
      value: "the model has no deployment there",
      status: "fail",
    });
  }
  for (const a of input.autoscaling) {
    const ok = a.min >= 1 && a.max >= a.min;
    evidence.push({
      label: `Autoscaling in ${a.environment}`,
      value: `${a.min} to ${a.max} replicas`,
      status: ok ? "pass" : "fail",
    });
  }
  evidence.push({
    label: "Rollout plan",
    value: input.plan.present
      ? "saved for this model"
      : (input.plan.error ?? "none saved for this model"),
    status: input.plan.present ? "pass" : "fail",
  });
  evidence.push(...soakEvidence(input.soak, input.now));
  const status = worstStatus(evidence.map((e) => e.status));
  const failing = evidence.filter((e) => e.status === "fail" || e.status === "unknown");
  return {
    id: "deployment",
    title: "Deployment validation",
    status,
    summary:
      failing.length === 0
        ? "Pinned, resourced, autoscaled, planned and soaked."
        : failing.map((e) => `${e.label}: ${e.value}`).join("; "),
    evidence,
  };
}

function minutesText(min: number): string {
  if (min < 120) return `${Math.floor(min)} min`;
  if (min < 48 * 60) return `${Math.floor(min / 60)} h`;
  return `${Math.floor(min / 1440)} d`;
}

function soakEvidence(soak: SoakEvidence, now: Date): Evidence[] {
  if (soak.requiredMinutes <= 0) {
    return [{ label: "Staging soak", value: "not required for this environment", status: "pass" }];
  }
  if (!soak.servedSince || !soak.environment) {
    return [
      {
        label: "Staging soak",
        value: `needs ${minutesText(soak.requiredMinutes)} serving all staging traffic; it does not serve staging now`,
        status: "fail",
      },
    ];
  }
  const minutes = Math.max(0, (now.getTime() - soak.servedSince.getTime()) / 60_000);
  const rows: Evidence[] = [
    {
      label: "Staging soak",
      value: `${minutesText(minutes)} at 100% in ${soak.environment} (needs ${minutesText(soak.requiredMinutes)})`,
      status: minutes >= soak.requiredMinutes ? "pass" : "fail",
    },
  ];
  if (soak.ready) {
    rows.push({
      label: "Staging replicas ready",
      value: `${soak.ready.ready} of ${soak.ready.desired}`,
      status: soak.ready.desired > 0 && soak.ready.ready >= soak.ready.desired ? "pass" : "fail",
    });
  }
  if (soak.errorRate) {
    rows.push({
      label: "Staging error rate",
      value: `${(soak.errorRate.value * 100).toFixed(3)}% (at most ${(soak.errorRate.limit * 100).toFixed(2)}%)`,
      status: soak.errorRate.value <= soak.errorRate.limit ? "pass" : "fail",
    });
  } else {
    rows.push({
      label: "Staging error rate",
      value: `unknown: ${soak.metricsError ?? "no metrics for this version in staging"}`,
      status: "unknown",
    });
  }
  return rows;
}

/** The service's error-budget policy applied to a promotion (see budgetGate). */
export function budgetPromotionGate(input: {
  state: { policy: BudgetPolicy; exhausted: string[]; atRisk: string[] } | null;
  /** SLOs defined for the service */
  sloCount: number;
  fix: boolean;
  /** an admin approved (or starts) the request: the override of an enforced, exhausted budget */
  adminApproved: boolean;
  justification: string;
}): Gate {
  const title = "Error-budget policy";
  if (!input.state || input.sloCount === 0) {
    return {
      id: "budget",
      title,
      status: "warn",
      summary: "No SLO defines an error budget for this service, so its budget is unknown.",
      evidence: [{ label: "SLOs", value: "none defined", status: "warn" }],
    };
  }
  const { state } = input;
  const evidence: Evidence[] = [
    { label: "Policy", value: state.policy, status: "pass" },
    {
      label: "Exhausted budgets",
      value: state.exhausted.length ? state.exhausted.join(", ") : "none",
      status: state.exhausted.length ? (state.policy === "enforce" ? "fail" : "warn") : "pass",
    },
    {
      label: "Budgets at risk",
      value: state.atRisk.length ? state.atRisk.join(", ") : "none",
      status: state.atRisk.length ? "warn" : "pass",
    },
  ];
  const decision = budgetGate({
    policy: state.policy,
    exhausted: state.exhausted,
    fix: input.fix,
    admin: input.adminApproved,
    overrideReason: input.justification,
  });
  if (!decision.allowed) {
    const reason =
      input.fix && !input.adminApproved
        ? `Error budget exhausted: ${state.exhausted.join(", ")}. This fix needs an admin to approve or start it, overriding the policy.`
        : decision.reason;
    return { id: "budget", title, status: "fail", summary: reason, evidence };
  }
  if (decision.override) {
    evidence[1] = { ...evidence[1]!, status: "warn" };
    return {
      id: "budget",
      title,
      status: "warn",
      summary: `Budget exhausted (${state.exhausted.join(", ")}); overridden for a fix by an admin's approval.`,
      evidence,
      override: true,
    };
  }
  const status = worstStatus(evidence.map((e) => e.status));
  return {
    id: "budget",
    title,
    status,
    summary:
      decision.warning ??
      (state.atRisk.length
        ? `Within budget, but ${state.atRisk.join(", ")} at risk.`
        : `All ${input.sloCount} SLO budgets have room.`),
    evidence,
  };
}

export interface FreezeWindowView {
  name: string;
  tier: Tier | null;
  startsAt: Date;
  endsAt: Date;
  reason: string;
}

/** Whether a freeze covers `tier` at `at`: [startsAt, endsAt). */
export function freezeCovers(freeze: FreezeWindowView, tier: Tier, at: Date): boolean {
  return (
    (freeze.tier === null || freeze.tier === tier) &&
    freeze.startsAt.getTime() <= at.getTime() &&
    at.getTime() < freeze.endsAt.getTime()
  );
}

/** Change freezes block promotions into their tier, except fixes. */
export function freezeGate(input: {
  freezes: readonly FreezeWindowView[];
  tier: Tier;
  fix: boolean;
  now: Date;
}): Gate {
  const title = "Change freeze";
  const active = input.freezes.filter((f) => freezeCovers(f, input.tier, input.now));
  const soon = input.freezes.filter(
    (f) =>
      (f.tier === null || f.tier === input.tier) &&
      f.startsAt.getTime() > input.now.getTime() &&
      f.startsAt.getTime() - input.now.getTime() <= 7 * 86_400_000,
  );
  const evidence: Evidence[] = [
    ...active.map((f) => ({
      label: `${f.name} (in force)`,
      value: `${f.startsAt.toISOString()} to ${f.endsAt.toISOString()}: ${f.reason}`,
      status: (input.fix ? "warn" : "fail") as GateStatus,
    })),
    ...soon.map((f) => ({
      label: `${f.name} (upcoming)`,
      value: `${f.startsAt.toISOString()} to ${f.endsAt.toISOString()}: ${f.reason}`,
      status: "pass" as GateStatus,
    })),
  ];
  if (active.length === 0) {
    return {
      id: "freeze",
      title,
      status: "pass",
      summary: `No freeze covers ${input.tier} now.`,
      evidence,
    };
  }
  const names = active.map((f) => f.name).join(", ");
  return input.fix
    ? {
        id: "freeze",
        title,
        status: "warn",
        summary: `${names} in force; allowed as a fix.`,
        evidence,
      }
    : {
        id: "freeze",
        title,
        status: "fail",
        summary: `${names} in force until ${new Date(Math.max(...active.map((f) => f.endsAt.getTime()))).toISOString()}; only fixes may be promoted.`,
        evidence,
      };
}

export const PROMOTION_STATUSES = [
  "pending",
  "approved",
  "started",
  "rejected",
  "withdrawn",
] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

export const OPEN_PROMOTION_STATUSES = ["pending", "approved"] as const;

/** A request as lists and queues show it. */
export interface PromotionSummary {
  id: string;
  number: number;
  status: PromotionStatus;
  model: string;
  modelDisplayName: string;
  version: string;
  tier: Tier;
  regions: string[];
  fix: boolean;
  approvals: number;
  requiredApprovals: number;
  requestedBy: string;
  requestedAt: Date;
  decidedAt: Date | null;
  blockedReason: string | null;
}

export const PROMOTION_DECISIONS = ["approve", "reject"] as const;

export interface ApprovalView {
  approverId: string;
  decision: (typeof PROMOTION_DECISIONS)[number];
}

/** Distinct people who approved. */
export function approvalCount(approvals: readonly ApprovalView[]): number {
  return new Set(approvals.filter((a) => a.decision === "approve").map((a) => a.approverId)).size;
}

/** Approvals a request needs: the strictest of its target environments, at least one. */
export function requiredApprovals(environments: readonly { requiredApprovals: number }[]): number {
  return Math.max(1, ...environments.map((e) => e.requiredApprovals));
}

/**
 * May this person approve or reject the request? Release managers of the model's team (or
 * admins), never the requester, once per request, while it is pending.
 */
export function canDecide(
  principal: Principal | null,
  userId: string,
  request: {
    requestedById: string;
    status: PromotionStatus;
    modelTeamId: string;
    approvals: readonly ApprovalView[];
  },
): Decision {
  const allowed = authorize(principal, "promotion.approve", request.modelTeamId);
  if (!allowed.allowed) return allowed;
  if (request.requestedById === userId) {
    return {
      allowed: false,
      reason: "You requested this promotion; someone else must approve it.",
    };
  }
  if (request.status !== "pending") {
    return {
      allowed: false,
      reason: `This request is ${request.status}; it takes no more decisions.`,
    };
  }
  if (request.approvals.some((a) => a.approverId === userId)) {
    return { allowed: false, reason: "You already decided on this request." };
  }
  return { allowed: true };
}

export type PromotionEvent = "edit" | "withdraw" | "reject" | "approve" | "approve_final" | "start";

/** The request lifecycle: what each event does to each status, or why it cannot. */
export function promotionTransition(
  status: PromotionStatus,
  event: PromotionEvent,
): { ok: true; next: PromotionStatus } | { ok: false; reason: string } {
  const open = status === "pending" || status === "approved";
  switch (event) {
    case "edit":
      return open
        ? { ok: true, next: "pending" }
        : { ok: false, reason: `A ${status} request cannot be changed; make a new one.` };
    case "withdraw":
      return open
        ? { ok: true, next: "withdrawn" }
        : { ok: false, reason: `A ${status} request cannot be withdrawn.` };
    case "reject":
    case "approve":
    case "approve_final":
      if (status !== "pending") {
        return { ok: false, reason: `This request is ${status}; it takes no more decisions.` };
      }
      return {
        ok: true,
        next: event === "reject" ? "rejected" : event === "approve" ? "pending" : "approved",
      };
    case "start":
      return status === "approved"
        ? { ok: true, next: "started" }
        : { ok: false, reason: `Only an approved request can start; this one is ${status}.` };
  }
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const THRESHOLD_LINE = new RegExp(
  String.raw`^(\S+)\s+(?:(>=|<=)\s*(${NUMBER})|(higher|lower))(?:\s*,\s*max\s+regression\s+(${NUMBER}))?$`,
  "i",
);

/**
 * Thresholds as release managers write them, one per line:
 * `ndcg@10 >= 0.69, max regression 0.01`, `p99_latency_ms <= 250`, `recall higher, max
 * regression 0.02` (no bound, only compared with production).
 */
export function thresholdsFromText(
  text: string,
): { ok: true; thresholds: EvalThreshold[] } | { ok: false; error: string } {
  const thresholds: EvalThreshold[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = THRESHOLD_LINE.exec(line);
    if (!m) {
      return {
        ok: false,
        error: `Line ${i + 1} ("${line}"): write "metric >= 0.9", "metric <= 250" or "metric higher", optionally followed by ", max regression 0.01".`,
      };
    }
    const [, metric = "", op, bound, word, regression] = m;
    thresholds.push({
      metric,
      direction: op === ">=" || word?.toLowerCase() === "higher" ? "higher" : "lower",
      ...(bound !== undefined ? { bound: Number(bound) } : {}),
      ...(regression !== undefined ? { maxRegression: Number(regression) } : {}),
    });
  }
  const parsed = evalThresholdsSchema.safeParse(thresholds);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: issue?.message ?? "Invalid thresholds." };
  }
  return { ok: true, thresholds: parsed.data };
}

export function thresholdsToText(thresholds: readonly EvalThreshold[]): string {
  return thresholds
    .map((t) => {
      const head =
        t.bound !== undefined
          ? `${t.metric} ${t.direction === "higher" ? ">=" : "<="} ${t.bound}`
          : `${t.metric} ${t.direction}`;
      return t.maxRegression !== undefined ? `${head}, max regression ${t.maxRegression}` : head;
    })
    .join("\n");
}
