import { describe, expect, it } from "vitest";
import { PlatformError, type MetricsSource, type Selector } from "@/lib/platform/types";

/**
 * The contract every MetricsSource implementation honours. Each implementation's test file
 * calls this with a way to build the source and a model known to be serving traffic.
 */
export function metricsContract(
  name: string,
  ctx: { source: () => MetricsSource; model: string; window: () => { start: Date; end: Date } },
) {
  describe(`MetricsSource contract: ${name}`, () => {
    const sel = (): Selector => ({ model: ctx.model });

    it("reports request rate per series with all four labels", async () => {
      const samples = await ctx.source().instant("request_rate", sel());
      expect(samples.length).toBeGreaterThan(0);
      for (const s of samples) {
        expect(s.labels.model).toBe(ctx.model);
        expect(s.labels.version).not.toBe("");
        expect(s.labels.region).not.toBe("");
        expect(s.labels.cluster).not.toBe("");
        expect(s.value).toBeGreaterThanOrEqual(0);
      }
      expect(samples.some((s) => s.value > 0)).toBe(true);
    });

    it("keeps error rates within 0..1", async () => {
      for (const s of await ctx.source().instant("error_rate", sel())) {
        expect(s.value).toBeGreaterThanOrEqual(0);
        expect(s.value).toBeLessThanOrEqual(1);
      }
    });

    it("orders latency quantiles p50 ≤ p90 ≤ p99 for every series", async () => {
      const src = ctx.source();
      const [p50, p90, p99] = await Promise.all([
        src.instant("latency_p50", sel()),
        src.instant("latency_p90", sel()),
        src.instant("latency_p99", sel()),
      ]);
      expect(p50.length).toBeGreaterThan(0);
      const key = (l: object) => JSON.stringify(l);
      const by90 = new Map(p90.map((s) => [key(s.labels), s.value]));
      const by99 = new Map(p99.map((s) => [key(s.labels), s.value]));
      for (const s of p50) {
        expect(s.value).toBeGreaterThan(0);
        expect(by90.get(key(s.labels))).toBeGreaterThanOrEqual(s.value);
        expect(by99.get(key(s.labels))).toBeGreaterThanOrEqual(by90.get(key(s.labels)) ?? Infinity);
      }
    });

    it("reports model quality signals", async () => {
      const [psi, accuracy] = await Promise.all([
        ctx.source().instant("prediction_drift_psi", sel()),
        ctx.source().instant("online_accuracy", sel()),
      ]);
      expect(psi.length).toBeGreaterThan(0);
      for (const s of accuracy) expect(s.value).toBeGreaterThan(0.5);
      for (const s of psi) expect(s.value).toBeGreaterThanOrEqual(0);
    });

    it("answers an unknown model with no series, not an error", async () => {
      expect(await ctx.source().instant("request_rate", { model: "no-such-model" })).toEqual([]);
    });

    it("returns range series ordered in time", async () => {
      const { start, end } = ctx.window();
      const series = await ctx
        .source()
        .range("request_rate", sel(), { start, end, stepSeconds: 5 });
      expect(series.length).toBeGreaterThan(0);
      for (const s of series) {
        const times = s.points.map((p) => p.t.getTime());
        expect(times).toEqual([...times].sort((a, b) => a - b));
        for (const p of s.points) {
          expect(p.t.getTime()).toBeGreaterThanOrEqual(start.getTime());
          expect(p.t.getTime()).toBeLessThanOrEqual(end.getTime());
        }
      }
    });

    it("counts SLI events with good ≤ total", async () => {
      const { start, end } = ctx.window();
      const counts = await ctx.source().sliCounts({ kind: "availability" }, sel(), start, end);
      expect(counts.total).toBeGreaterThan(0);
      expect(counts.good).toBeLessThanOrEqual(counts.total);
      expect(counts.good).toBeGreaterThan(counts.total * 0.9);
      const none = await ctx
        .source()
        .sliCounts({ kind: "availability" }, { model: "no-such-model" }, start, end);
      expect(none).toMatchObject({ good: 0, total: 0 });
    });

    it("refuses a selector that would inject into a query", async () => {
      await expect(
        ctx.source().instant("request_rate", { model: 'x"} or vector(1) #' }),
      ).rejects.toBeInstanceOf(PlatformError);
    });

    it("reports its health", async () => {
      expect((await ctx.source().health()).status).toBe("ok");
    });
  });
}
