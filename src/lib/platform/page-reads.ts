import { clock } from "@/lib/clock";
import {
  PlatformError,
  withTimeout,
  type AdapterHealth,
  type LatencyBuckets,
  type MetricName,
  type MetricsSource,
  type RangeWindow,
  type Selector,
  type SliCounts,
} from "./types";

/**
 * The metrics source as pages read it: every read waits at most `timeoutMs`, and after a read
 * fails (down, slow, or an answer that makes no sense) pages stop asking for `skipMs`, so every
 * page during a Prometheus outage renders at once with what it last knew, instead of each waiting
 * out its own timeout. Background work (analysis, the SLI feed) reads the source directly, with
 * its own longer timeouts, and never skips.
 */
export class PageReads implements MetricsSource {
  private failure: { at: number; reason: string } | null = null;
  private lastOkAt: number | null = null;
  readonly latencyBuckets?: (selector: Selector) => Promise<LatencyBuckets>;

  constructor(
    private readonly source: MetricsSource,
    private readonly options: { name: string; timeoutMs: number; skipMs: number },
  ) {
    const buckets = source.latencyBuckets?.bind(source);
    if (buckets)
      this.latencyBuckets = (selector) => this.read("latency buckets", () => buckets(selector));
  }

  /** Why pages are not asking the source now, or null when they are. */
  skipping(now = clock.ms()): string | null {
    const f = this.failure;
    if (!f || now - f.at >= this.options.skipMs) return null;
    const since = this.lastOkAt === null ? "" : `; last answered ${age(now - this.lastOkAt)} ago`;
    return `${this.options.name} is not answering (${f.reason})${since}`;
  }

  private async read<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const skip = this.skipping();
    if (skip) throw new PlatformError(operation, skip);
    try {
      const value = await withTimeout(operation, this.options.timeoutMs, work());
      this.failure = null;
      this.lastOkAt = clock.ms();
      return value;
    } catch (error) {
      this.failure = {
        at: clock.ms(),
        reason: error instanceof Error ? error.message : "no answer",
      };
      throw error;
    }
  }

  instant(metric: MetricName, selector: Selector, at?: Date) {
    return this.read(metric, () => this.source.instant(metric, selector, at));
  }

  range(metric: MetricName, selector: Selector, window: RangeWindow) {
    return this.read(metric, () => this.source.range(metric, selector, window));
  }

  sliCounts(
    sli: { kind: "availability" } | { kind: "latency"; thresholdMs: number },
    selector: Selector,
    start: Date,
    end: Date,
  ): Promise<SliCounts> {
    return this.read("SLI counts", () => this.source.sliCounts(sli, selector, start, end));
  }

  async health(): Promise<AdapterHealth> {
    try {
      return await this.read("health", () => this.source.health());
    } catch (error) {
      return {
        adapter: this.options.name,
        status: "down",
        detail: error instanceof Error ? error.message : "no answer",
        checkedAt: clock.now(),
      };
    }
  }
}

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
