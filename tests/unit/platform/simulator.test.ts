import { describe, expect, it } from "vitest";
import { SimulatorMetrics, seriesOf, valueAt } from "@/lib/platform/simulator/metrics";
import { SimulatorExporter, DURATION_BUCKETS } from "@/lib/platform/simulator/exporter";
import { versionBehaviour, regionRps } from "@/lib/platform/simulator/behaviour";
import { erf, quantileMs, shareBelow, Z } from "@/lib/platform/simulator/math";
import { metricsContract } from "../../support/platform/contract";
import { fixtureFleet } from "../../support/platform/fleet";

const SEED = 20261129;
const NOW = Date.parse("2026-11-20T15:00:00Z");

metricsContract("simulator", {
  source: () =>
    new SimulatorMetrics({ seed: SEED, deployments: async () => fixtureFleet(), now: () => NOW }),
  model: "ranker-xl",
  window: () => ({ start: new Date(NOW - 3_600_000), end: new Date(NOW) }),
});

describe("simulator math", () => {
  it("matches known values of erf", () => {
    expect(erf(0)).toBeCloseTo(0, 6);
    expect(erf(1)).toBeCloseTo(0.8427008, 6);
    expect(erf(-2)).toBeCloseTo(-0.9953223, 6);
  });

  it("puts 99% of requests under the p99", () => {
    const d = { medianMs: 40, sigma: 0.5 };
    expect(shareBelow(d, quantileMs(d, Z.p99))).toBeCloseTo(0.99, 5);
    expect(shareBelow(d, quantileMs(d, Z.p50))).toBeCloseTo(0.5, 6);
    expect(shareBelow(d, 0)).toBe(0);
  });
});

describe("simulator behaviour", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(versionBehaviour(SEED, "ranker-xl", "2.1.0")).toEqual(
      versionBehaviour(SEED, "ranker-xl", "2.1.0"),
    );
    const versions = Array.from({ length: 30 }, (_, i) => `1.${i}.0`);
    const a = versions.map((v) => versionBehaviour(1, "m", v).fault);
    const b = versions.map((v) => versionBehaviour(2, "m", v).fault);
    expect(a).not.toEqual(b);
  });

  it("seeds good and bad versions, about one bad in three", () => {
    const faults = Array.from(
      { length: 300 },
      (_, i) => versionBehaviour(SEED, "m", `0.${i}.0`).fault,
    );
    const bad = faults.filter((f) => f !== "none").length;
    expect(bad).toBeGreaterThan(60);
    expect(bad).toBeLessThan(120);
    expect(new Set(faults)).toEqual(new Set(["none", "errors", "latency", "drift"]));
  });

  it("makes a bad version measurably worse than a good one", () => {
    const find = (fault: string) => {
      for (let i = 0; i < 500; i++) {
        const b = versionBehaviour(SEED, "m", `9.${i}.0`);
        if (b.fault === fault) return b;
      }
      throw new Error(`no ${fault} version`);
    };
    const good = find("none");
    expect(find("errors").errorRate).toBeGreaterThan(good.errorRate * 20);
    expect(quantileMs(find("latency").latency, Z.p99)).toBeGreaterThan(
      quantileMs(good.latency, Z.p99) * 1.5,
    );
    expect(find("drift").driftPsi).toBeGreaterThan(0.25);
    expect(good.driftPsi).toBeLessThan(0.1);
  });

  it("follows a daily cycle and never goes negative", () => {
    const rates = Array.from({ length: 24 }, (_, h) =>
      regionRps("ranker-xl", "us-east-1", NOW + h * 3_600_000),
    );
    expect(Math.min(...rates)).toBeGreaterThan(0);
    expect(Math.max(...rates) / Math.min(...rates)).toBeGreaterThan(1.4);
  });

  it("gives a canary its weight of the region's traffic", () => {
    const [stable, canary] = seriesOf(SEED, fixtureFleet());
    if (!stable || !canary) throw new Error("fixture");
    expect(canary.rps(NOW) / (stable.rps(NOW) + canary.rps(NOW))).toBeCloseTo(0.1, 6);
  });

  it("gives a deployment at 0% no traffic and no ratio metrics", () => {
    const [zero] = seriesOf(SEED, [{ ...fixtureFleet()[0]!, trafficWeight: 0 }]);
    if (!zero) throw new Error("fixture");
    expect(valueAt(zero, "request_rate", NOW)).toBe(0);
    expect(valueAt(zero, "error_rate", NOW)).toBeNull();
    expect(valueAt(zero, "latency_p99", NOW)).toBeNull();
  });

  it("answers the same instant identically every time", async () => {
    const src = new SimulatorMetrics({ seed: SEED, deployments: async () => fixtureFleet() });
    const at = new Date(NOW);
    expect(await src.instant("latency_p99", {}, at)).toEqual(
      await src.instant("latency_p99", {}, at),
    );
  });
});

describe("simulator Prometheus exposition", () => {
  const parse = (text: string) => {
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#")) continue;
      const i = line.lastIndexOf(" ");
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
  };

  it("renders counters that grow by the request rate between scrapes", () => {
    const exporter = new SimulatorExporter(SEED);
    const fleet = fixtureFleet();
    const first = parse(exporter.render(fleet, NOW));
    const second = parse(exporter.render(fleet, NOW + 60_000));
    const key =
      'flightdeck_sim_requests_total{model="ranker-xl",version="2.1.0",region="eu-west-1",cluster="eks-eu-west-1-serve-01",environment="production",code="2xx"}';
    expect(first.get(key)).toBe(0);
    const expected = regionRps("ranker-xl", "eu-west-1", NOW) * 60;
    expect(second.get(key)).toBeGreaterThan(expected * 0.9);
    expect(second.get(key)).toBeLessThan(expected * 1.1);
    for (const [k, v] of second) {
      if (/_total|_bucket|_count|_sum/.test(k))
        expect(v, k).toBeGreaterThanOrEqual(first.get(k) ?? 0);
    }
  });

  it("renders a cumulative histogram whose +Inf bucket equals the count", () => {
    const exporter = new SimulatorExporter(SEED);
    exporter.render(fixtureFleet(), NOW);
    const m = parse(exporter.render(fixtureFleet(), NOW + 120_000));
    const l =
      'model="ranker-xl",version="2.1.0",region="us-east-1",cluster="eks-us-east-1-serve-01"';
    const buckets = DURATION_BUCKETS.map(
      (le) => m.get(`flightdeck_sim_request_duration_seconds_bucket{${l},le="${le}"}`) ?? -1,
    );
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(m.get(`flightdeck_sim_request_duration_seconds_bucket{${l},le="+Inf"}`)).toBe(
      m.get(`flightdeck_sim_request_duration_seconds_count{${l}}`),
    );
  });

  it("escapes label values and types every metric family", () => {
    const text = new SimulatorExporter(SEED).render(fixtureFleet('m"x'), NOW);
    expect(text).toContain('model="m\\"x"');
    for (const family of [
      "flightdeck_sim_requests_total counter",
      "flightdeck_sim_request_duration_seconds histogram",
      "flightdeck_sim_prediction_drift_psi gauge",
      "flightdeck_sim_online_accuracy gauge",
    ]) {
      expect(text).toContain(`# TYPE ${family}`);
    }
  });
});

describe("chaos in the simulator", () => {
  const fleet = fixtureFleet();
  const degrade = {
    kind: "region_degradation" as const,
    region: "us-east-1",
    magnitude: 0.05,
    start: NOW - 60_000,
    end: NOW + 60_000,
  };
  const slow = {
    kind: "latency_injection" as const,
    region: "eu-west-1",
    magnitude: 1,
    start: NOW - 60_000,
    end: NOW + 60_000,
  };
  const src = new SimulatorMetrics({
    seed: SEED,
    deployments: async () => fleet,
    chaos: async () => [degrade, slow],
  });
  const calm = new SimulatorMetrics({ seed: SEED, deployments: async () => fleet });
  const at = new Date(NOW);

  it("raises errors only in the degraded region, only while the experiment runs", async () => {
    const during = await src.instant("error_rate", { region: "us-east-1" }, at);
    const before = await calm.instant("error_rate", { region: "us-east-1" }, at);
    for (const [i, s] of during.entries())
      expect(s.value).toBeGreaterThan((before[i]?.value ?? 1) + 0.04);
    expect(await src.instant("error_rate", { region: "eu-west-1" }, at)).toEqual(
      await calm.instant("error_rate", { region: "eu-west-1" }, at),
    );
    const after = new Date(NOW + 120_000);
    expect(await src.instant("error_rate", {}, after)).toEqual(
      await calm.instant("error_rate", {}, after),
    );
  });

  it("doubles latency where latency is injected", async () => {
    const [slowed] = await src.instant("latency_p50", { region: "eu-west-1" }, at);
    const [normal] = await calm.instant("latency_p50", { region: "eu-west-1" }, at);
    expect((slowed?.value ?? 0) / (normal?.value ?? 1)).toBeCloseTo(2, 6);
  });

  it("burns availability SLI counts during a degradation", async () => {
    const window = [new Date(NOW - 60_000), new Date(NOW)] as const;
    const hurt = await src.sliCounts({ kind: "availability" }, { region: "us-east-1" }, ...window);
    const fine = await calm.sliCounts({ kind: "availability" }, { region: "us-east-1" }, ...window);
    expect(hurt.total).toBe(fine.total);
    expect(1 - hurt.good / hurt.total).toBeGreaterThan(0.045);
  });
});
