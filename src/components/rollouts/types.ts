import type { MetricResult } from "@/lib/domain/rollouts/analysis";
import type { AnalysisThresholds } from "@/lib/domain/rollouts/plan";
import type { ActionResult } from "@/lib/schemas/result";
import type { RollbackInput, RolloutCommandInput, RetryRolloutInput } from "@/lib/schemas/rollouts";

/** A rollout as GET /api/v1/rollouts/{id} sends it (dates as ISO strings). */
export interface RolloutView {
  id: string;
  kind: string;
  model: string;
  team: string;
  fromVersion: string | null;
  toVersion: string;
  environment: string;
  region: string;
  strategy: string;
  status: string;
  verifying: boolean;
  currentStep: number;
  currentWeight: number;
  reason: string | null;
  version: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  pausedUntil: string | null;
  createdBy: string | null;
  target: { cluster: string; namespace: string; name: string } | null;
  thresholds: AnalysisThresholds;
  steps: {
    index: number;
    kind: string;
    weight: number | null;
    durationSec: number | null;
    intervalSec: number | null;
    status: string;
    startedAt: string | null;
    finishedAt: string | null;
  }[];
  waves: { wave: number; rollouts: { id: string; environment: string; status: string }[] }[];
  wave: number;
  analysis: {
    stepIndex: number;
    at: string;
    verdict: string;
    score: number | null;
    reason: string;
    metrics: MetricResult[];
  }[];
  events: { at: string; kind: string; message: string; actor: string | null }[];
  traffic: { version: string; weight: number; replicasReady: number; replicasDesired: number }[];
  environmentRps: number | null;
  can: Record<
    "pause" | "resume" | "promote" | "promote_full" | "abort" | "rollback" | "retry",
    boolean
  >;
  rollbackTargets: string[];
  /** policies an admin overrode to start or promote it, with their reason */
  overrides: string[];
  /** its environment takes changes only through promotions */
  promotionsOnly: boolean;
}

export interface ComparisonPoint {
  t: number;
  canary: number | null;
  baseline: number | null;
}

export interface RolloutPayload {
  rollout: RolloutView;
  series: { errorRate: ComparisonPoint[]; latencyP99: ComparisonPoint[] };
}

type Act<I> = (input: I) => Promise<ActionResult<unknown>>;

export interface RolloutActions {
  pause: Act<RolloutCommandInput>;
  resume: Act<RolloutCommandInput>;
  promote: Act<RolloutCommandInput>;
  promoteFull: Act<RolloutCommandInput>;
  abort: Act<RolloutCommandInput>;
  retry: Act<RetryRolloutInput>;
  rollback: Act<RollbackInput>;
}
