// The Prometheus metrics adapter against a real Prometheus (Debian's package) holding the
// simulator's exposition as scraped once a second: the adapter's numbers must match the
// simulator's, a latency SLI that matches no series reads as no data with the reason (never 0%
// good), and with Prometheus as the source a latency threshold must be one of its histogram's
// boundaries. Nothing waits for scrapes: the exposition at each second of the 20 minutes before
// T0 (two hours back) is written into Prometheus's TSDB before it starts, and the file's clock
// stands at T0, so the adapter, the simulator and the SLI feed all read those minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clock } from "@/lib/clock";
import { PrometheusMetrics } from "@/lib/platform/prometheus";
import { DURATION_BUCKETS, SimulatorExporter } from "@/lib/platform/simulator/exporter";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import { versionBehaviour } from "@/lib/platform/simulator/behaviour";
import { OutcomeUnknownError, PlatformError } from "@/lib/platform/types";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { feedSliMinutes } from "@/server/slos/sli-feed";
import { createSlo, sloFormOptions, updateSlo } from "@/server/slos/definitions";
import { getSloDetail, listSlos, type SloRow } from "@/server/slos/queries";
import type { SloSpecInput } from "@/lib/domain/slos/spec";
import { freePort } from "../../../scripts/lib/database";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { metricsContract } from "../../support/platform/contract";
import { fixtureFleet } from "../../support/platform/fleet";
import {
  openMetricsHistory,
  startPrometheus,
  type PrometheusServer,
} from "../../support/platform/prometheus";

const SEED = 20261129;
const MINUTE = 60_000;
const fleet = fixtureFleet();
const simulator = new SimulatorMetrics({ seed: SEED, deployments: async () => fleet });
/**
 * The instant the file stands at: on a minute, two hours back, so that the history is older
 * than anything Prometheus's head would hold and the minutes before T0 are complete.
 */
const T0 = Math.floor((Date.now() - 2 * 60 * MINUTE) / MINUTE) * MINUTE;
/** Prometheus holds the exposition of every second from this far before T0… */
const HISTORY_MS = 20 * MINUTE;
/** …to a minute after it: the clock moves a millisecond per reading, never out of the data. */
const AHEAD_MS = MINUTE;
const time = movableTestClock();
let prometheus: PrometheusMetrics;
let server: PrometheusServer | undefined;
let promUrl = "";

beforeAll(async () => {
  time.set(new Date(T0));
  const exporter = new SimulatorExporter(SEED);
  server = await startPrometheus(
    openMetricsHistory((t) => exporter.render(fleet, t), T0 - HISTORY_MS, T0 + AHEAD_MS, 1_000),
  );
  promUrl = server.url;
  prometheus = new PrometheusMetrics({ url: promUrl, window: "15s", timeoutMs: 5_000 });
});

afterAll(async () => {
  useMetricsOf(undefined);
  await prisma.slo.deleteMany({ where: { name: { startsWith: PREFIX } } });
  await prisma.$disconnect();
  await server?.stop();
});

metricsContract("prometheus", {
  source: () => prometheus,
  model: "ranker-xl",
  window: () => ({ start: new Date(clock.ms() - 10_000), end: clock.now() }),
});

describe("the Prometheus adapter agrees with the simulator", () => {
  const key = (l: object) => JSON.stringify(l);

  it("on request rate per series (within 10%)", async () => {
    const [fromProm, fromSim] = await Promise.all([
      prometheus.instant("request_rate", {}),
      simulator.instant("request_rate", {}),
    ]);
    expect(fromProm).toHaveLength(fleet.length);
    const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
    for (const s of fromProm) {
      const expected = sim.get(key(s.labels)) ?? NaN;
      expect(Math.abs(s.value - expected) / expected, key(s.labels)).toBeLessThan(0.1);
    }
  });

  it("on error rate (within 25%) and on which version is worse", async () => {
    const fromProm = await prometheus.instant("error_rate", {});
    expect(fromProm).toHaveLength(fleet.length);
    for (const s of fromProm) {
      const expected = versionBehaviour(SEED, s.labels.model, s.labels.version).errorRate;
      expect(Math.abs(s.value - expected) / expected, key(s.labels)).toBeLessThan(0.25);
    }
  });

  it("on latency quantiles (within the histogram's resolution)", async () => {
    for (const q of ["latency_p50", "latency_p99"] as const) {
      const [fromProm, fromSim] = await Promise.all([
        prometheus.instant(q, {}),
        simulator.instant(q, {}),
      ]);
      expect(fromProm, q).toHaveLength(fromSim.length);
      const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
      for (const s of fromProm) {
        const expected = sim.get(key(s.labels)) ?? NaN;
        expect(Math.abs(s.value - expected) / expected, `${q} ${key(s.labels)}`).toBeLessThan(0.25);
      }
    }
  });

  it("on model quality gauges (within 10%)", async () => {
    for (const metric of ["prediction_drift_psi", "online_accuracy"] as const) {
      const [fromProm, fromSim] = await Promise.all([
        prometheus.instant(metric, {}),
        simulator.instant(metric, {}),
      ]);
      expect(fromProm, metric).toHaveLength(fromSim.length);
      const sim = new Map(fromSim.map((s) => [key(s.labels), s.value]));
      for (const s of fromProm) {
        const expected = sim.get(key(s.labels)) ?? NaN;
        expect(Math.abs(s.value - expected) / expected, `${metric} ${key(s.labels)}`).toBeLessThan(
          0.1,
        );
      }
    }
  });

  it("on SLI counts over a window (within 15%)", async () => {
    const end = clock.now();
    const start = new Date(end.getTime() - 10_000);
    const [p, s] = await Promise.all([
      prometheus.sliCounts({ kind: "availability" }, { model: "ranker-xl" }, start, end),
      simulator.sliCounts({ kind: "availability" }, { model: "ranker-xl" }, start, end),
    ]);
    expect(Math.abs(p.total - s.total) / s.total).toBeLessThan(0.15);
    // A 10-second window holds about a thousand requests and one or two errors: compare counts.
    const bad = (c: { good: number; total: number }) => c.total - c.good;
    expect(Math.abs(bad(p) - bad(s))).toBeLessThanOrEqual(2 + 0.15 * bad(s));
  });
});

describe("Prometheus failures are explicit", () => {
  it("reports an unreachable server as an unknown outcome, within the timeout", async () => {
    const dead = new PrometheusMetrics({
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutMs: 500,
    });
    await expect(dead.instant("request_rate", {})).rejects.toBeInstanceOf(OutcomeUnknownError);
    // a refused connection is not a timeout: the message says which
    await expect(dead.instant("request_rate", {})).rejects.toThrow(/unreachable: ECONNREFUSED/);
    expect((await dead.health()).status).toBe("down");
  });

  it("reports a bad query as a platform error naming Prometheus's reason", async () => {
    const broken = new PrometheusMetrics({
      url: promUrl,
      templates: { request_rate: "sum(rate(" },
    });
    await expect(broken.instant("request_rate", {})).rejects.toThrow(PlatformError);
    await expect(broken.instant("request_rate", {})).rejects.toThrow(/bad_data/);
  });

  it("uses per-model query templates", () => {
    const custom = new PrometheusMetrics({
      url: promUrl,
      modelTemplates: {
        "ranker-xl": { request_rate: "sum(rate(http_requests_total{{{selector}}}[{{window}}]))" },
      },
    });
    expect(custom.query("request_rate", { model: "ranker-xl" })).toBe(
      'sum(rate(http_requests_total{model="ranker-xl"}[1m]))',
    );
    expect(custom.query("request_rate", { model: "other" })).toContain(
      "flightdeck_sim_requests_total",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Latency SLOs against Prometheus: thresholds at bucket boundaries, and no data with a reason.

const prisma = connectTestDatabase();
const PREFIX = "prom-latency-";
const meta = { requestId: "prometheus-test", clientIp: null };
let engineer: Actor;

/** The app's metrics source, as PROMETHEUS_URL chooses it (undefined: the simulator). */
function useMetricsOf(url: string | undefined) {
  if (url) process.env.PROMETHEUS_URL = url;
  else delete process.env.PROMETHEUS_URL;
  delete (globalThis as { flightdeckMetrics?: unknown }).flightdeckMetrics;
}

const latencySlo = (name: string, threshold: number): SloSpecInput => ({
  name: `${PREFIX}${name}`,
  service: "ranker-xl",
  team: "ranking",
  sliKind: "latency",
  threshold,
  objective: 0.99,
  window: { kind: "rolling", days: 28 },
  budgetingMethod: "occurrences",
});

beforeAll(async () => {
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const user = await prisma.user.upsert({
    where: { email: "eng@prometheus.test" },
    create: { email: "eng@prometheus.test", name: "Eng", role: "engineer", teamId: team.id },
    update: {},
  });
  engineer = (await loadUserActor(user.id)) as Actor;
});

describe("latency is counted at histogram bucket boundaries only", () => {
  const boundariesMs = DURATION_BUCKETS.map((b) => Number((b * 1000).toPrecision(12)));

  it("reads the boundaries of the request-duration histogram from Prometheus", async () => {
    expect(await prometheus.latencyBuckets({ model: "ranker-xl" })).toEqual({
      metric: "flightdeck_sim_request_duration_seconds",
      boundariesSeconds: [...DURATION_BUCKETS],
    });
    expect((await prometheus.latencyBuckets({ model: "no-such-model" })).boundariesSeconds).toEqual(
      [],
    );
  });

  it("answers a threshold between boundaries with no data and the query, never 0% good", async () => {
    const end = clock.now();
    const start = new Date(end.getTime() - 10_000);
    const between = await prometheus.sliCounts(
      { kind: "latency", thresholdMs: 250 },
      { model: "ranker-xl" },
      start,
      end,
    );
    expect(between).toEqual({
      good: 0,
      total: 0,
      noData:
        'Prometheus returned no series for sum(increase(flightdeck_sim_request_duration_seconds_bucket{model="ranker-xl",le="0.25"}[10s]))',
    });
    const at = await prometheus.sliCounts(
      { kind: "latency", thresholdMs: 300 },
      { model: "ranker-xl" },
      start,
      end,
    );
    expect(at.noData).toBeUndefined();
    expect(at.total).toBeGreaterThan(0);
    expect(at.good).toBeGreaterThan(0);
    expect(at.good).toBeLessThanOrEqual(at.total);
    // No series at all for the service: no data too, naming the query that found nothing.
    const unknown = await prometheus.sliCounts(
      { kind: "availability" },
      { model: "no-such-model" },
      start,
      end,
    );
    expect(unknown.noData).toBe(
      'Prometheus returned no series for sum(increase(flightdeck_sim_requests_total{model="no-such-model"}[10s]))',
    );
  });

  it("refuses to save a threshold that is no boundary, listing the boundaries; the form lists them", async () => {
    useMetricsOf(promUrl);
    try {
      const refusal = await createSlo(engineer, meta, latencySlo("between", 250)).catch(
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal).toMatchObject({ code: "INVALID_INPUT" });
      expect((refusal as AppError).message).toBe(
        `SLO ${PREFIX}between: a latency threshold must be a bucket boundary of flightdeck_sim_request_duration_seconds, and 250 ms is not; the boundaries are ${boundariesMs.join(", ")} ms.`,
      );
      expect(await prisma.slo.count({ where: { name: `${PREFIX}between` } })).toBe(0);

      const { definition } = await createSlo(engineer, meta, latencySlo("boundary", 300));
      await expect(
        updateSlo(engineer, meta, definition.spec.name, definition.version, {
          ...definition.spec,
          threshold: 400,
        }),
      ).rejects.toThrow(/400 ms is not; the boundaries are/);
      const edited = await updateSlo(engineer, meta, definition.spec.name, definition.version, {
        ...definition.spec,
        threshold: 500,
      });
      expect(edited.spec.threshold).toBe(500);

      expect((await sloFormOptions(engineer)).latencyBoundaries).toEqual({
        metric: "flightdeck_sim_request_duration_seconds",
        boundariesMs,
      });
    } finally {
      useMetricsOf(undefined);
    }
  });

  it("refuses a latency threshold it cannot check when Prometheus does not answer", async () => {
    useMetricsOf(`http://127.0.0.1:${await freePort()}`);
    try {
      await expect(createSlo(engineer, meta, latencySlo("unchecked", 300))).rejects.toMatchObject({
        code: "UNAVAILABLE",
        message: expect.stringMatching(
          /^Prometheus did not answer \(.*\), so the latency threshold of prom-latency-unchecked cannot be checked/,
        ),
      });
      expect(await prisma.slo.count({ where: { name: `${PREFIX}unchecked` } })).toBe(0);
      expect((await sloFormOptions(engineer)).latencyBoundaries).toMatchObject({
        error: expect.stringContaining("Prometheus"),
      });
      // Nothing to check in an availability SLO.
      await createSlo(engineer, meta, {
        ...latencySlo("availability", 300),
        sliKind: "availability",
        threshold: null,
      });
    } finally {
      useMetricsOf(undefined);
    }
  });

  it("feeds a threshold Prometheus has no series for as no data with the reason, on the list and the page", async () => {
    // Made while the simulator was the source, which counts any threshold.
    const { definition } = await createSlo(engineer, meta, latencySlo("fed-between", 250));
    const { definition: fixed } = await createSlo(engineer, meta, latencySlo("fed-fixed", 250));
    const { definition: ok } = await createSlo(engineer, meta, latencySlo("fed-boundary", 300));
    // The clock stands just past T0: the last complete minute, and the 19 before it, are in the
    // history Prometheus holds; the feed's older minutes (it catches up an hour) have no data.
    const now = clock.now();
    const ids = [definition.id, fixed.id, ok.id];
    const othersMinutes = () =>
      prisma.sliBucket.count({ where: { resolution: "minute", sloId: { notIn: ids } } });
    const before = await othersMinutes();
    await feedSliMinutes(now, prometheus, ids);
    // A round for some SLOs feeds and prunes theirs only (the seeded minutes are days old).
    expect(await othersMinutes()).toBe(before);

    const minutes = (sloId: string) =>
      prisma.sliBucket.findMany({
        where: { sloId, resolution: "minute" },
        orderBy: { start: "asc" },
      });
    const between = await minutes(definition.id);
    expect(between.length).toBeGreaterThan(0);
    for (const m of between)
      expect({ good: m.good, total: m.total }).toEqual({ good: 0n, total: 0n });
    const reason =
      'Prometheus returned no series for sum(increase(flightdeck_sim_request_duration_seconds_bucket{model="ranker-xl",le="0.25"}[60s]))';
    const stored = await prisma.slo.findUniqueOrThrow({ where: { id: definition.id } });
    expect(stored.noDataReason).toBe(reason);
    expect(stored.noDataSince!.getTime()).toBeLessThan(now.getTime());

    // Other files' SLOs share the list: page through it to this one.
    let row: SloRow | undefined;
    for (let page = 1, pages = 1; !row && page <= pages; page++) {
      const list = await listSlos(engineer, { page, service: "ranker-xl", status: "no_data" });
      row = list.rows.find((r) => r.id === definition.id);
      pages = list.pageCount;
    }
    expect(row?.summary.status).toBe("no_data");
    expect(row?.noData).toEqual({ reason, since: stored.noDataSince });
    const detail = await getSloDetail(engineer, definition.spec.name);
    expect(detail?.noData?.reason).toBe(reason);
    expect(detail?.summary.attainment).toBeNull();

    // At a boundary the same minutes count real requests.
    const counted = await minutes(ok.id);
    const last = counted.at(-1)!;
    expect(last.total).toBeGreaterThan(0n);
    expect(last.good).toBeGreaterThan(0n);
    expect(last.good).toBeLessThanOrEqual(last.total);
    expect((await prisma.slo.findUniqueOrThrow({ where: { id: ok.id } })).noDataReason).toBeNull();

    // A minute with data clears the reason; so does fixing the threshold (the SLI starts afresh).
    await feedSliMinutes(new Date(now.getTime() + MINUTE), simulator, [definition.id]);
    const gapOf = async (id: string) =>
      (await prisma.slo.findUniqueOrThrow({ where: { id } })).noDataReason;
    expect(await gapOf(definition.id)).toBeNull();
    expect(await gapOf(fixed.id)).toBe(reason);
    await updateSlo(engineer, meta, fixed.spec.name, fixed.version, {
      ...fixed.spec,
      threshold: 300,
    });
    expect(await gapOf(fixed.id)).toBeNull();
  });
});
