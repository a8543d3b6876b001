import "server-only";
import { freezesBetween } from "@/server/promotions/release-windows";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { budgetPolicyStates } from "@/server/slos/budget-policy";
import { pageMetrics } from "@/server/fleet/platform";
import { withTimeout } from "@/lib/platform/types";
import { DEFAULT_THRESHOLDS, planSchema } from "@/lib/domain/rollouts/plan";
import {
  budgetPromotionGate,
  deploymentGate,
  evalGate,
  evalMetricRecord,
  evalThresholdsSchema,
  freezeGate,
  type Gate,
  type SoakEvidence,
} from "@/lib/domain/promotions/gates";

/** What the gates judge: a version going into some regions of a tier. */
export interface GateSubject {
  model: {
    id: string;
    name: string;
    evalThresholds: unknown;
    resources: unknown;
    rolloutPlan: unknown;
  };
  version: { id: string; version: string; imageDigest: string; evalMetrics: unknown };
  tier: "staging" | "production";
  /** target region codes */
  regions: string[];
  fix: boolean;
  justification: string;
  /** an admin is among the approvers */
  adminApproved: boolean;
}

export interface GateReport {
  gates: Gate[];
  /** the version serving most of production now, with its eval metrics */
  production: { version: string; metrics: Record<string, number> } | null;
  evaluatedAt: Date;
}

/**
 * Gathers each gate's evidence (registry, deployments, freezes, SLO snapshots, live staging
 * metrics) and judges it. Reads only; a metrics outage makes the soak "unknown", never a pass.
 */
export async function evaluatePromotionGates(
  subject: GateSubject,
  now = clock.now(),
): Promise<GateReport> {
  const { model, version, tier } = subject;
  const [deployments, environments, freezes, policy, sloCount] = await Promise.all([
    db().deployment.findMany({
      where: { modelId: model.id },
      select: {
        trafficWeight: true,
        replicas: true,
        readyReplicas: true,
        hpaMin: true,
        hpaMax: true,
        fullTrafficSince: true,
        modelVersionId: true,
        modelVersion: { select: { version: true, evalMetrics: true } },
        environment: {
          select: { name: true, tier: true, soakMinutes: true, region: { select: { code: true } } },
        },
      },
    }),
    db().environment.findMany({
      where: { tier, region: { code: { in: subject.regions } } },
      select: { name: true, soakMinutes: true },
    }),
    // in effect now or starting within the week the gate warns about
    freezesBetween(db(), now, new Date(now.getTime() + 8 * 86_400_000)),
    budgetPolicyStates([model.name]),
    db().slo.count({ where: { modelId: model.id } }),
  ]);

  // The version now in production: the one serving the largest share of production traffic.
  const prodShare = new Map<string, { version: string; metrics: unknown; weight: number }>();
  for (const d of deployments.filter((d) => d.environment.tier === "production")) {
    const e = prodShare.get(d.modelVersionId) ?? {
      version: d.modelVersion.version,
      metrics: d.modelVersion.evalMetrics,
      weight: 0,
    };
    e.weight += d.trafficWeight;
    prodShare.set(d.modelVersionId, e);
  }
  const top = [...prodShare.values()].sort((a, b) => b.weight - a.weight)[0];
  const production = top ? { version: top.version, metrics: evalMetricRecord(top.metrics) } : null;

  const thresholds = evalThresholdsSchema.safeParse(model.evalThresholds ?? []);
  const eval_ = evalGate({
    candidate: evalMetricRecord(version.evalMetrics),
    production,
    thresholds: thresholds.success ? thresholds.data : null,
  });

  const targets = subject.regions.map((r) => `${tier}/${r}`);
  const inTarget = deployments.filter(
    (d) => d.environment.tier === tier && subject.regions.includes(d.environment.region.code),
  );
  const autoscaling = targets
    .map((env) => {
      const rows = inTarget.filter((d) => d.environment.name === env);
      if (rows.length === 0) return null;
      return {
        environment: env,
        min: Math.min(...rows.map((r) => r.hpaMin)),
        max: Math.max(...rows.map((r) => r.hpaMax)),
      };
    })
    .filter((a): a is NonNullable<typeof a> => a !== null);
  const missing = targets.filter((env) => !inTarget.some((d) => d.environment.name === env));
  const plan = savedPlan(model.rolloutPlan);

  const soak = await stagingSoak(subject, deployments, environments, production !== null);
  const deployment = deploymentGate({
    imageDigest: version.imageDigest,
    resources: model.resources,
    autoscaling,
    missing,
    plan: plan?.success
      ? { present: true }
      : { present: false, error: plan ? "the saved plan is invalid" : undefined },
    soak,
    now,
  });

  const budget = budgetPromotionGate({
    state: policy.get(model.name) ?? null,
    sloCount,
    fix: subject.fix,
    adminApproved: subject.adminApproved,
    justification: subject.justification,
  });
  const freeze = freezeGate({ freezes, tier, fix: subject.fix, now });
  return { gates: [eval_, deployment, budget, freeze], production, evaluatedAt: now };
}

/** A model's saved plan (steps, strategy, thresholds; waves come from where it runs). */
function savedPlan(raw: unknown) {
  return raw && typeof raw === "object" ? planSchema.safeParse({ ...raw, waves: [["-"]] }) : null;
}

async function stagingSoak(
  subject: GateSubject,
  deployments: {
    modelVersionId: string;
    trafficWeight: number;
    replicas: number;
    readyReplicas: number;
    fullTrafficSince: Date | null;
    environment: { name: string; tier: "staging" | "production" };
  }[],
  targets: { soakMinutes: number }[],
  hasProduction: boolean,
): Promise<SoakEvidence> {
  const requiredMinutes = Math.max(0, ...targets.map((t) => t.soakMinutes));
  const staging = deployments
    .filter(
      (d) =>
        d.environment.tier === "staging" &&
        d.modelVersionId === subject.version.id &&
        d.trafficWeight === 100 &&
        d.fullTrafficSince !== null,
    )
    .sort((a, b) => (a.fullTrafficSince?.getTime() ?? 0) - (b.fullTrafficSince?.getTime() ?? 0))[0];
  const base: SoakEvidence = {
    requiredMinutes,
    servedSince: staging?.fullTrafficSince ?? null,
    environment: staging?.environment.name ?? null,
    ready: staging ? { ready: staging.readyReplicas, desired: staging.replicas } : null,
    errorRate: null,
  };
  if (requiredMinutes <= 0 || !staging) return base;
  const plan = savedPlan(subject.model.rolloutPlan);
  const increase = plan?.success
    ? plan.data.thresholds.maxErrorRateIncrease
    : DEFAULT_THRESHOLDS.maxErrorRateIncrease;
  try {
    const source = pageMetrics();
    const [canary, prod] = await Promise.all([
      withTimeout(
        "staging error rate",
        5_000,
        source.instant("error_rate", {
          model: subject.model.name,
          version: subject.version.version,
          environment: "staging",
        }),
      ),
      hasProduction
        ? withTimeout(
            "production error rate",
            5_000,
            source.instant("error_rate", { model: subject.model.name, environment: "production" }),
          )
        : Promise.resolve([]),
    ]);
    if (canary.length === 0) {
      return { ...base, metricsError: "no error-rate series for this version in staging" };
    }
    const value = Math.max(...canary.map((s) => s.value));
    const baseline = prod.length ? prod.reduce((a, s) => a + s.value, 0) / prod.length : 0;
    return { ...base, errorRate: { value, limit: baseline + increase } };
  } catch (error) {
    return {
      ...base,
      metricsError: error instanceof Error ? error.message : "the metrics source failed",
    };
  }
}
