/**
 * The model registry's rules: reading eval metrics, which way each metric is better, comparing
 * two versions' metrics and lineage, and laying out where a model runs. Pure: the services
 * feed it rows, the pages render what it returns.
 */

export const TIERS = ["staging", "production"] as const;
export type Tier = (typeof TIERS)[number];

/** One version running in one environment on one cluster, as the inventory mirrors it. */
/**
 * A version name. Every platform writes it into Kubernetes labels (the pods' version label,
 * KServe's and Argo's selectors), so the registry accepts exactly a label value: a name it
 * accepted must never leave a rollout stuck at "set version" later.
 */
export const VERSION_NAME = /^[0-9A-Za-z](?:[0-9A-Za-z._-]{0,61}[0-9A-Za-z])?$/;
export const VERSION_NAME_RULE =
  "A version is written into platform labels: up to 63 letters, digits, dots, dashes and underscores, starting and ending with a letter or digit. Write build metadata with a dash (1.4.0-cu121, not 1.4.0+cu121).";

export interface Placement {
  /** e.g. "production/us-east-1" */
  environment: string;
  tier: Tier;
  region: string;
  cluster: string;
  version: string;
  /** percent of the model's traffic in this environment served by this version */
  trafficWeight: number;
  replicas: number;
  readyReplicas: number;
}

// ---------------------------------------------------------------------------------------------
// Eval metrics

export interface EvalMetric {
  name: string;
  value: number;
}

/** Which way a metric improves; "neutral" for what is neither (example counts, sizes). */
export type MetricDirection = "higher" | "lower" | "neutral";

const LOWER_IS_BETTER = new Set([
  "ece",
  "loss",
  "error",
  "errors",
  "err",
  "wer",
  "cer",
  "mae",
  "mse",
  "rmse",
  "perplexity",
  "ppl",
  "latency",
  "ms",
  "seconds",
  "drift",
  "psi",
  "brier",
  "fpr",
  "fnr",
  "cost",
]);
const HIGHER_IS_BETTER = new Set([
  "accuracy",
  "acc",
  "auc",
  "auroc",
  "f1",
  "ndcg",
  "recall",
  "precision",
  "map",
  "mrr",
  "bleu",
  "rouge",
  "win",
  "winrate",
  "hit",
  "hits",
  "r2",
  "em",
  "top1",
  "top5",
  "iou",
  "dice",
]);

/**
 * Which way a metric named like "ndcg@10", "calibration_ece" or "p99_latency_ms" improves.
 * The registry stores bare numbers, so this is read from the name's words; a name that says
 * both or neither is "neutral", and the UI then shows the change without calling it better.
 */
export function metricDirection(name: string): MetricDirection {
  const lower = name.toLowerCase();
  // "1-wer": one minus an error measure, so higher is better.
  if (/^1\s*-\s*/.test(lower)) return "higher";
  const words = lower.split(/[^a-z0-9]+/).filter(Boolean);
  const up = words.some((w) => HIGHER_IS_BETTER.has(w));
  const down = words.some((w) => LOWER_IS_BETTER.has(w));
  if (up === down) return "neutral";
  return up ? "higher" : "lower";
}

const DIRECTION_RANK: Record<MetricDirection, number> = { higher: 0, lower: 1, neutral: 2 };

function byImportance(a: EvalMetric, b: EvalMetric): number {
  return (
    DIRECTION_RANK[metricDirection(a.name)] - DIRECTION_RANK[metricDirection(b.name)] ||
    a.name.localeCompare(b.name)
  );
}

/**
 * A version's eval metrics from its stored JSON: finite numbers only (anything else the
 * registry never accepted is skipped), quality metrics first, then costs, then the rest.
 */
export function evalMetricsOf(json: unknown): EvalMetric[] {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return [];
  return Object.entries(json as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1]))
    .map(([name, value]) => ({ name, value }))
    .sort(byImportance);
}

/**
 * The metrics a versions table shows: the registry records no "primary" metric per model, so
 * this takes the first few in importance order (quality metrics before costs and counts).
 */
export function primaryMetrics(metrics: EvalMetric[], count = 3): EvalMetric[] {
  return [...metrics].sort(byImportance).slice(0, count);
}

/** Decimal places a stored value was written with (capped), so deltas carry no float noise. */
function decimalsOf(x: number): number {
  const s = String(x);
  if (s.includes("e")) return 6;
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : Math.min(6, s.length - dot - 1);
}

export type MetricChange = "better" | "worse" | "same" | "changed" | "only_a" | "only_b";

export interface MetricDelta {
  name: string;
  direction: MetricDirection;
  a: number | null;
  b: number | null;
  /** b − a, rounded to the inputs' precision; null when either side lacks the metric */
  delta: number | null;
  /** delta ÷ |a|; null when a is missing or zero */
  relative: number | null;
  change: MetricChange;
}

/** Whether a change of `delta` is an improvement for a metric that improves in `direction`. */
export function judgeChange(
  delta: number,
  direction: MetricDirection,
): "better" | "worse" | "same" | "changed" {
  if (delta === 0) return "same";
  if (direction === "neutral") return "changed";
  return delta > 0 === (direction === "higher") ? "better" : "worse";
}

/**
 * Every metric either version reports, with b − a and whether that is an improvement. `known`
 * gives the direction of metrics the model's eval thresholds name; the rest are read from names.
 */
export function compareEvalMetrics(
  a: EvalMetric[],
  b: EvalMetric[],
  known: ReadonlyMap<string, MetricDirection> = new Map(),
): MetricDelta[] {
  const av = new Map(a.map((m) => [m.name, m.value]));
  const bv = new Map(b.map((m) => [m.name, m.value]));
  const names = [...new Set([...av.keys(), ...bv.keys()])]
    .map((name) => ({ name, value: 0 }))
    .sort(byImportance)
    .map((m) => m.name);
  return names.map((name) => {
    const x = av.get(name) ?? null;
    const y = bv.get(name) ?? null;
    const direction = known.get(name) ?? metricDirection(name);
    if (x === null || y === null) {
      return {
        name,
        direction,
        a: x,
        b: y,
        delta: null,
        relative: null,
        change: x === null ? "only_b" : "only_a",
      };
    }
    const places = Math.max(decimalsOf(x), decimalsOf(y));
    const delta = Number((y - x).toFixed(places)) + 0; // + 0 turns -0 into 0
    return {
      name,
      direction,
      a: x,
      b: y,
      delta,
      relative: x === 0 ? null : delta / Math.abs(x),
      change: judgeChange(delta, direction),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Lineage

export const LINEAGE_FIELDS = [
  { key: "trainingRunId", label: "Training run", digest: false },
  { key: "datasetDigest", label: "Dataset digest", digest: true },
  { key: "codeCommit", label: "Code commit", digest: true },
  { key: "baseImageDigest", label: "Base image digest", digest: true },
  { key: "imageDigest", label: "Image digest", digest: true },
  { key: "artifactUri", label: "Artifact URI", digest: false },
] as const;
export type LineageKey = (typeof LINEAGE_FIELDS)[number]["key"];
export type Lineage = Record<LineageKey, string>;

export interface LineageDiff {
  key: LineageKey;
  label: string;
  /** shown in monospace, truncated, with the full value in a title and copyable */
  digest: boolean;
  a: string;
  b: string;
  same: boolean;
}

/** Each lineage field of two versions side by side: same dataset, different commit, … */
export function compareLineage(a: Lineage, b: Lineage): LineageDiff[] {
  return LINEAGE_FIELDS.map((f) => ({
    key: f.key,
    label: f.label,
    digest: f.digest,
    a: a[f.key],
    b: b[f.key],
    same: a[f.key] === b[f.key],
  }));
}

// ---------------------------------------------------------------------------------------------
// Where a model runs

export interface PlacementCell {
  environment: string;
  region: string;
  /** the versions serving here, the largest traffic share first (two during a canary) */
  placements: Placement[];
}

export interface PlacementMatrix {
  regions: string[];
  rows: { tier: Tier; cells: PlacementCell[] }[];
}

/** Environment tier × region, each cell with the cluster, version(s) and traffic there. */
export function placementMatrix(placements: Placement[], regions: string[]): PlacementMatrix {
  const known = new Set(regions);
  const all = [
    ...regions,
    ...[...new Set(placements.map((p) => p.region))].filter((r) => !known.has(r)),
  ];
  return {
    regions: all,
    rows: TIERS.map((tier) => ({
      tier,
      cells: all.map((region) => ({
        environment: `${tier}/${region}`,
        region,
        placements: placements
          .filter((p) => p.tier === tier && p.region === region)
          .sort(
            (x, y) =>
              y.trafficWeight - x.trafficWeight ||
              x.cluster.localeCompare(y.cluster) ||
              x.version.localeCompare(y.version),
          ),
      })),
    })),
  };
}

/**
 * The version production serves: the one with the most traffic summed over production
 * environments (during a canary the stable version still has the larger share); null when
 * nothing of the model serves production.
 */
export function servingProduction(placements: Placement[]): string | null {
  const weight = new Map<string, number>();
  for (const p of placements) {
    if (p.tier !== "production" || p.trafficWeight <= 0) continue;
    weight.set(p.version, (weight.get(p.version) ?? 0) + p.trafficWeight);
  }
  let best: string | null = null;
  for (const [version, w] of weight) {
    if (best === null || w > (weight.get(best) ?? 0)) best = version;
  }
  return best;
}

/**
 * What the compare form starts with: a = the version serving production, b = the newest.
 * When those are one version, a is the version before it; null sides when there are too few.
 */
export function defaultComparison(
  newestFirst: string[],
  production: string | null,
): { a: string | null; b: string | null } {
  const b = newestFirst[0] ?? null;
  const a = production && production !== b ? production : (newestFirst[1] ?? null);
  return { a, b };
}

/** Environments where both versions serve traffic now, e.g. during a canary. */
export function sharedEnvironments(placements: Placement[], a: string, b: string): string[] {
  const serving = (v: string) =>
    new Set(
      placements.filter((p) => p.version === v && p.trafficWeight > 0).map((p) => p.environment),
    );
  const inB = serving(b);
  return [...serving(a)].filter((e) => inB.has(e)).sort();
}

// ---------------------------------------------------------------------------------------------
// Live metrics of two versions

export interface LiveReading {
  /** requests per second, summed over the clusters */
  rps: number | null;
  /** share of requests failing (0..1), request-weighted over the clusters */
  errorRate: number | null;
  /** worst p99 over the clusters, ms */
  p99Ms: number | null;
  /** online accuracy from delayed labels (0..1), request-weighted */
  onlineAccuracy: number | null;
}

export interface LiveSide {
  version: string;
  trafficWeight: number;
  clusters: string[];
  reading: LiveReading;
}

export interface LiveRow {
  environment: string;
  tier: Tier;
  region: string;
  /** null: that version does not serve here */
  a: LiveSide | null;
  b: LiveSide | null;
}

export interface LiveComparison {
  /**
   * true: both versions serve traffic in the environments of `rows` (a canary, say), so their
   * metrics compare like with like. false: they never serve in the same place, and `rows` has
   * each version's own environments.
   */
  together: boolean;
  rows: LiveRow[];
  /** metrics the source did not give, e.g. "p99 latency: no answer within 5000 ms" */
  errors: string[];
  readAt: Date;
}
