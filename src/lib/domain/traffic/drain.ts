import { dialAtStep, type Verdict } from "./drain-plan";

/**
 * A region drain's progress, decided purely: which dial each step sets, when a step may be
 * applied (the receiving regions' replicas are ready for it), and whether the receiving regions
 * took the traffic well (analysis of their error rate and latency against their baseline).
 */

export type DrainPhase = "draining" | "drained" | "undraining" | "undrained";
export type DrainKind = "drain" | "failover";

/** A receiving region as the drain recorded it when it started. */
export interface DrainReceiving {
  region: string;
  cluster: string;
  /** the autoscaler to raise, where the platform has one */
  autoscaler: { namespace: string; target: string } | null;
  /** its bounds before the drain, to restore on undrain */
  hpaBefore: { min: number; max: number } | null;
  /** the bounds the drain set ahead of traffic (null: left as they were) */
  hpaSet: { min: number; max: number } | null;
  replicasBefore: number;
  replicasNeeded: number;
  /** error rate (0..1) and p99 latency (ms) before the drain */
  baseline: { errorRate: number | null; p99Ms: number | null };
}

export interface DrainModel {
  model: string;
  modelId: string;
  teamId: string;
  /** the capacity check's verdict when it started */
  verdict: Verdict;
  reasons: string[];
  /** every region's dial before the drain; undrain restores the drained region's only */
  dialsBefore: Record<string, number>;
  /** the drained region's serving before the drain, to bring back on undrain */
  drained: {
    cluster: string;
    autoscaler: { namespace: string; target: string } | null;
    hpaBefore: { min: number; max: number } | null;
    replicasBefore: number;
    /** the minimum the undrain set ahead of returning traffic (null: none yet) */
    hpaSet: { min: number; max: number } | null;
  };
  receiving: DrainReceiving[];
}

/** The share (0..1) of the drained region's traffic moved away once step `index` is applied. */
export function movedShare(steps: readonly number[], index: number): number {
  return 1 - dialAtStep(steps, index) / 100;
}

/**
 * The drained region's dial once step `index` is applied: the plan's step, but never above what
 * the region kept before the drain (a region already at 40% stays at most at 40%).
 */
export function dialFor(steps: readonly number[], index: number, before: number): number {
  if (index < 0) return before;
  return Math.min(before, dialAtStep(steps, index));
}

/** Replicas a receiving region should have ready before step `index` moves traffic to it. */
export function receivingReady(r: DrainReceiving, steps: readonly number[], index: number): number {
  const share = movedShare(steps, index);
  return Math.ceil(r.replicasBefore + (r.replicasNeeded - r.replicasBefore) * share - 1e-9);
}

/** Replicas the drained region should have ready before an undrain step brings traffic back. */
export function returningReady(m: DrainModel, steps: readonly number[], index: number): number {
  const kept = index < 0 ? 1 : dialAtStep(steps, index) / 100;
  return Math.ceil(m.drained.replicasBefore * kept - 1e-9);
}

/** Analysis of a receiving region: what it measures now against its baseline. */
export interface ReceivingSample {
  model: string;
  region: string;
  errorRate: number | null;
  p99Ms: number | null;
}

/** Error-rate rise tolerated over the baseline (absolute, 0..1), and the latency factor. */
export const ANALYSIS = {
  maxErrorRise: 0.005,
  maxLatencyFactor: 1.5,
  /** latency under this many ms above the baseline is never a failure (noise) */
  latencySlackMs: 5,
} as const;

export type AnalysisResult = { ok: true; summary: string } | { ok: false; reason: string };

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Whether every receiving region took its new traffic without its errors or latency rising. */
export function judgeReceiving(
  models: readonly DrainModel[],
  samples: readonly ReceivingSample[],
): AnalysisResult {
  const failures: string[] = [];
  let checked = 0;
  for (const m of models) {
    for (const r of m.receiving) {
      const s = samples.find((x) => x.model === m.model && x.region === r.region);
      if (!s) continue;
      checked += 1;
      const base = r.baseline;
      if (s.errorRate !== null) {
        const limit = (base.errorRate ?? 0) + ANALYSIS.maxErrorRise;
        if (s.errorRate > limit) {
          failures.push(
            `${m.model} in ${r.region}: error rate ${pct(s.errorRate)}, over ${pct(limit)} (baseline ${pct(base.errorRate ?? 0)} + ${pct(ANALYSIS.maxErrorRise)})`,
          );
        }
      }
      if (s.p99Ms !== null && base.p99Ms !== null) {
        const limit = Math.max(
          base.p99Ms * ANALYSIS.maxLatencyFactor,
          base.p99Ms + ANALYSIS.latencySlackMs,
        );
        if (s.p99Ms > limit) {
          failures.push(
            `${m.model} in ${r.region}: p99 ${Math.round(s.p99Ms)} ms, over ${Math.round(limit)} ms (baseline ${Math.round(base.p99Ms)} ms)`,
          );
        }
      }
    }
  }
  if (failures.length > 0) {
    return {
      ok: false,
      reason: `Receiving regions degraded: ${failures.slice(0, 3).join("; ")}${failures.length > 3 ? ` and ${failures.length - 3} more` : ""}.`,
    };
  }
  return {
    ok: true,
    summary: `Analysis passed: ${checked} receiving region${checked === 1 ? "" : "s"} within ${checked === 1 ? "its" : "their"} baseline error rate and latency.`,
  };
}

/** What the engine does next with a drain that is not paused. */
export type DrainStep =
  | { kind: "raise-autoscalers" }
  | { kind: "wait"; reason: string }
  | { kind: "apply"; index: number; dial: (m: DrainModel) => number }
  | { kind: "analyse"; then: "next" | "drained" }
  | { kind: "restore" }
  | { kind: "none" };

export interface DrainProgress {
  region: string;
  kind: DrainKind;
  phase: DrainPhase;
  steps: readonly number[];
  stepSeconds: number;
  stepIndex: number;
  /** ms epoch the current step was applied, null before the first */
  stepAppliedAt: number | null;
  /** the autoscalers were raised (drain) or the drained region pre-scaled (undrain) for the next step */
  prepared: boolean;
}

/**
 * The next thing to do: raise autoscalers ahead of traffic, apply the next step once the step
 * held long enough (then analyse it), or, undraining, step back towards the dials before.
 */
export function nextDrainStep(p: DrainProgress, now: number): DrainStep {
  if (p.phase === "drained" || p.phase === "undrained") return { kind: "none" };
  const held = p.stepAppliedAt === null ? Infinity : now - p.stepAppliedAt;
  const holdMs = p.stepSeconds * 1000;
  if (p.phase === "draining") {
    if (!p.prepared) return { kind: "raise-autoscalers" };
    const last = p.steps.length - 1;
    if (p.stepIndex >= 0 && held < holdMs) {
      return { kind: "wait", reason: `holding step ${p.stepIndex + 1} of ${p.steps.length}` };
    }
    if (p.stepIndex >= 0) {
      return { kind: "analyse", then: p.stepIndex >= last ? "drained" : "next" };
    }
    return {
      kind: "apply",
      index: 0,
      dial: (m) => dialFor(p.steps, 0, m.dialsBefore[p.region] ?? 100),
    };
  }
  // undraining: back one step at a time; past the first, the dials before the drain.
  if (p.stepIndex >= 0 && held < holdMs && p.stepAppliedAt !== null) {
    return { kind: "wait", reason: `holding while traffic returns` };
  }
  if (p.stepIndex < 0) return { kind: "restore" };
  return {
    kind: "apply",
    index: p.stepIndex - 1,
    dial: (m) => dialFor(p.steps, p.stepIndex - 1, m.dialsBefore[p.region] ?? 100),
  };
}
