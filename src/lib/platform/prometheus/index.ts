import { clock } from "@/lib/clock";
import {
  assertSelector,
  OutcomeUnknownError,
  PlatformError,
  type AdapterHealth,
  type InstantSample,
  type LatencyBuckets,
  type MetricName,
  type MetricsSource,
  type RangeWindow,
  type Selector,
  type Series,
  type SeriesLabels,
  type SliCounts,
} from "../types";

/**
 * PromQL per metric. `{{selector}}` becomes the label matchers of the request (model, version,
 * region, cluster); `{{window}}` the rate window. Defaults read the metrics Flightdeck's
 * simulator exports; override them globally or per model for real model servers.
 */
export type QueryTemplates = Record<MetricName, string>;

const BY = "model, version, region, cluster, environment";
const requests = "flightdeck_sim_requests_total";
const histogram = "flightdeck_sim_request_duration_seconds";
const buckets = `${histogram}_bucket`;

export const DEFAULT_TEMPLATES: QueryTemplates = {
  request_rate: `sum by (${BY}) (rate(${requests}{{{selector}}}[{{window}}]))`,
  error_rate: `sum by (${BY}) (rate(${requests}{{{selector}},code="5xx"}[{{window}}])) / sum by (${BY}) (rate(${requests}{{{selector}}}[{{window}}]) > 0)`,
  latency_p50: `1000 * histogram_quantile(0.5, sum by (le, ${BY}) (rate(${buckets}{{{selector}}}[{{window}}])))`,
  latency_p90: `1000 * histogram_quantile(0.9, sum by (le, ${BY}) (rate(${buckets}{{{selector}}}[{{window}}])))`,
  latency_p99: `1000 * histogram_quantile(0.99, sum by (le, ${BY}) (rate(${buckets}{{{selector}}}[{{window}}])))`,
  prediction_drift_psi: `flightdeck_sim_prediction_drift_psi{{{selector}}}`,
  online_accuracy: `flightdeck_sim_online_accuracy{{{selector}}}`,
  data_age_seconds: `flightdeck_sim_data_age_seconds{{{selector}}}`,
};

export interface PrometheusOptions {
  url: string;
  timeoutMs?: number;
  /** the rate window, e.g. "1m" or "5m" */
  window?: string;
  templates?: Partial<QueryTemplates>;
  /** per-model overrides, by model name */
  modelTemplates?: Record<string, Partial<QueryTemplates>>;
  /**
   * GPU utilization per node, in percent, by a `Hostname` label (NVIDIA DCGM exporter's); for
   * the Kubernetes platform's node pools.
   */
  gpuUtilizationQuery?: string;
  fetch?: typeof fetch;
}

export const DEFAULT_GPU_UTILIZATION_QUERY = "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)";

type PromVector = { metric: Record<string, string>; value: [number, string] }[];
type PromMatrix = { metric: Record<string, string>; values: [number, string][] }[];

function matchers(selector: Selector): string {
  assertSelector(selector);
  return (Object.entries(selector) as [string, string | undefined][])
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
}

function labelsOf(metric: Record<string, string>): SeriesLabels {
  return {
    model: metric.model ?? "",
    version: metric.version ?? "",
    region: metric.region ?? "",
    cluster: metric.cluster ?? "",
    environment: metric.environment ?? "",
  };
}

/** Metrics over the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`). */
export class PrometheusMetrics implements MetricsSource {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly window: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: PrometheusOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.window = options.window ?? "1m";
    this.doFetch = options.fetch ?? fetch;
  }

  /** The PromQL for a metric and selector, with per-model overrides applied. */
  query(metric: MetricName, selector: Selector): string {
    const template =
      (selector.model ? this.options.modelTemplates?.[selector.model]?.[metric] : undefined) ??
      this.options.templates?.[metric] ??
      DEFAULT_TEMPLATES[metric];
    return template
      .replaceAll("{{selector}}", matchers(selector))
      .replaceAll("{,", "{") // an empty selector before further matchers
      .replaceAll("{{window}}", this.window);
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const operation = `Prometheus ${path}`;
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}?${new URLSearchParams(params)}`, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: "application/json" },
      });
    } catch (error) {
      // a timeout, or a refused or dropped connection: say which, so on-call looks in the right place
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      const cause =
        error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
      throw new OutcomeUnknownError(
        timedOut
          ? `${operation} (no answer within ${this.timeoutMs} ms)`
          : `${operation} (unreachable: ${cause?.code ?? (error instanceof Error ? error.message : "no connection")})`,
        error,
      );
    }
    if (res.status >= 500) throw new OutcomeUnknownError(`${operation} (HTTP ${res.status})`);
    const body = (await res.json().catch(() => null)) as
      { status: "success"; data: T } | { status: "error"; errorType: string; error: string } | null;
    if (!body)
      throw new OutcomeUnknownError(`${operation} (unreadable answer, HTTP ${res.status})`);
    if (body.status !== "success")
      throw new PlatformError(operation, `${body.errorType}: ${body.error}`);
    return body.data;
  }

  async instant(metric: MetricName, selector: Selector, at?: Date): Promise<InstantSample[]> {
    // "Now" is the app's clock, not Prometheus's: the same instant every other reading uses.
    const data = await this.api<{ resultType: string; result: PromVector }>("/api/v1/query", {
      query: this.query(metric, selector),
      time: String((at ?? clock.now()).getTime() / 1000),
    });
    return data.result
      .map((r) => ({ labels: labelsOf(r.metric), value: Number(r.value[1]) }))
      .filter((s) => Number.isFinite(s.value));
  }

  async range(metric: MetricName, selector: Selector, window: RangeWindow): Promise<Series[]> {
    const data = await this.api<{ resultType: string; result: PromMatrix }>("/api/v1/query_range", {
      query: this.query(metric, selector),
      start: String(window.start.getTime() / 1000),
      end: String(window.end.getTime() / 1000),
      step: String(window.stepSeconds),
    });
    return data.result.map((r) => ({
      labels: labelsOf(r.metric),
      points: r.values
        .map(([t, v]) => ({ t: new Date(t * 1000), value: Number(v) }))
        .filter((p) => Number.isFinite(p.value)),
    }));
  }

  async sliCounts(
    sli: { kind: "availability" } | { kind: "latency"; thresholdMs: number },
    selector: Selector,
    start: Date,
    end: Date,
  ): Promise<SliCounts> {
    const seconds = Math.max(1, Math.round((end.getTime() - start.getTime()) / 1000));
    const sel = matchers(selector);
    const at = String(end.getTime() / 1000);
    /** The query's one value, or null when it matched no series. */
    const scalar = async (q: string) => {
      const data = await this.api<{ result: PromVector }>("/api/v1/query", { query: q, time: at });
      const value = data.result[0]?.value[1];
      return value === undefined ? null : Number(value);
    };
    const noData = (q: string) => ({
      good: 0,
      total: 0,
      noData: `Prometheus returned no series for ${q}`,
    });
    const totalQuery = `sum(increase(${requests}{${sel}}[${seconds}s]))`;
    const total = await scalar(totalQuery);
    if (total === null) return noData(totalQuery);
    if (sli.kind === "availability") {
      // A service that never failed may have no 5xx series yet: that is no errors.
      const errors = await scalar(
        `sum(increase(${requests}{${sel ? `${sel},` : ""}code="5xx"}[${seconds}s]))`,
      );
      return { good: Math.round(total - (errors ?? 0)), total: Math.round(total) };
    }
    // A histogram has every boundary's series, so none means the threshold is no boundary:
    // reading that as 0 good requests would count everything as bad.
    const le = Number((sli.thresholdMs / 1000).toPrecision(12));
    const goodQuery = `sum(increase(${buckets}{${sel ? `${sel},` : ""}le="${le}"}[${seconds}s]))`;
    const good = await scalar(goodQuery);
    if (good === null) return noData(goodQuery);
    return { good: Math.round(good), total: Math.round(total) };
  }

  async latencyBuckets(selector: Selector): Promise<LatencyBuckets> {
    const values = await this.api<string[]>("/api/v1/label/le/values", {
      "match[]": `${buckets}{${matchers(selector)}}`,
    });
    const boundariesSeconds = values
      .map(Number)
      .filter((b) => Number.isFinite(b))
      .sort((a, b) => a - b);
    return { metric: histogram, boundariesSeconds };
  }

  /** Mean GPU utilization (0..1) per node name, from DCGM exporter metrics. */
  async gpuUtilizationByNode(): Promise<Map<string, number>> {
    const data = await this.api<{ result: PromVector }>("/api/v1/query", {
      query: this.options.gpuUtilizationQuery ?? DEFAULT_GPU_UTILIZATION_QUERY,
    });
    const byNode = new Map<string, number>();
    for (const r of data.result) {
      const node = r.metric.Hostname ?? r.metric.node ?? r.metric.kubernetes_node;
      const value = Number(r.value[1]);
      if (node && Number.isFinite(value)) byNode.set(node, Math.min(1, Math.max(0, value / 100)));
    }
    return byNode;
  }

  async health(): Promise<AdapterHealth> {
    try {
      await this.api("/api/v1/query", { query: "1" });
      return { adapter: "prometheus", status: "ok", detail: this.base, checkedAt: clock.now() };
    } catch (error) {
      return {
        adapter: "prometheus",
        status: "down",
        detail: error instanceof Error ? error.message : "unreachable",
        checkedAt: clock.now(),
      };
    }
  }
}
