import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";
import {
  SHARED_LIVE_MS,
  liveTraffic,
  platformStatus,
  readWithFallback,
  servingDeployments,
} from "@/server/fleet/platform";
import { installClock, ManualClock } from "@/lib/clock";
import { forgetChaosEffects } from "@/server/fleet/chaos";
import { GET as simMetrics } from "@/app/api/sim/metrics/route";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
const viewer = actor("viewer");

describe("platform services on the seeded fleet", () => {
  it("describes every deployment for the platform layer in one query", async () => {
    const deployments = await servingDeployments();
    expect(deployments).toHaveLength(await prisma.deployment.count());
    for (const d of deployments) {
      expect(d.model).toMatch(/^[a-z0-9-]+$/);
      expect(["staging", "production"]).toContain(d.environment);
      expect(d.trafficWeight).toBeGreaterThanOrEqual(0);
    }
  });

  it("reports live traffic for every deployed model", async () => {
    const live = await liveTraffic(viewer);
    expect(live.error).toBeNull();
    const models = await prisma.model.findMany({
      where: { deployments: { some: {} } },
      select: { name: true },
    });
    expect(live.data?.map((r) => r.model).sort()).toEqual(models.map((m) => m.name).sort());
    for (const r of live.data ?? []) {
      expect(r.rps).toBeGreaterThan(0);
      expect(r.errorRate).toBeGreaterThanOrEqual(0);
      expect(r.errorRate).toBeLessThan(0.1);
      expect(r.p99Ms).toBeGreaterThan(0);
    }
  });

  it("refuses live traffic to a user without a role", async () => {
    await expect(liveTraffic(actor(null))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("reports the simulator healthy", async () => {
    const s = await platformStatus(viewer);
    expect(s.status).toBe("ok");
    expect(s.sources.map((x) => [x.name, x.status])).toEqual([
      ["Simulator metrics", "ok"],
      ["Simulator clusters and workloads", "ok"],
    ]);
    for (const source of s.sources) expect(source.lastOkAt).toBeInstanceOf(Date);
  });

  it("reads the header's status and the live traffic once per interval for everyone", async () => {
    const clock = new ManualClock();
    installClock(clock);
    try {
      const [status, traffic] = await Promise.all([platformStatus(viewer), liveTraffic(viewer)]);
      const [statusAgain, trafficAgain] = await Promise.all([
        platformStatus(actor("admin")),
        liveTraffic(actor("engineer")),
      ]);
      expect(statusAgain).toBe(status);
      expect(trafficAgain).toBe(traffic);
      await expect(platformStatus(actor(null))).rejects.toMatchObject({ code: "FORBIDDEN" });
      clock.advance(SHARED_LIVE_MS);
      expect(await platformStatus(viewer)).not.toBe(status);
      const later = await liveTraffic(viewer);
      expect(later).not.toBe(traffic);
      expect(later.readAt?.getTime()).toBeGreaterThan(traffic.readAt?.getTime() ?? Infinity);

      // Chaos that starts is seen at once, not after the interval.
      const admin = await prisma.user.findFirstOrThrow({ where: { role: "admin" } });
      const experiment = await prisma.chaosExperiment.create({
        data: {
          kind: "region_degradation",
          region: "us-east-1",
          magnitude: 0.2,
          startedAt: clock.now(),
          endsAt: new Date(clock.now().getTime() + 300_000),
          createdById: admin.id,
          reason: "platform services test",
        },
      });
      // as another replica's start would be, once this process's reuse of the last read ends
      forgetChaosEffects();
      try {
        const during = await liveTraffic(viewer);
        expect(during).not.toBe(later);
        expect(await liveTraffic(viewer)).toBe(during);
      } finally {
        await prisma.chaosExperiment.delete({ where: { id: experiment.id } });
        forgetChaosEffects();
      }
    } finally {
      installClock(null);
    }
  });

  it("keeps the last good reading, with its time, when a source fails", async () => {
    const first = await readWithFallback("test-source", async () => [1, 2, 3]);
    expect(first).toMatchObject({ data: [1, 2, 3], error: null });
    const failed = await readWithFallback<number[]>("test-source", async () => {
      throw new Error("connection refused");
    });
    expect(failed).toEqual({ data: [1, 2, 3], readAt: first.readAt, error: "connection refused" });
    const never = await readWithFallback("never-read", async () => {
      throw new Error("down");
    });
    expect(never).toEqual({ data: null, readAt: null, error: "down" });
  });
});

describe("GET /api/sim/metrics", () => {
  it("serves the seeded fleet in the Prometheus exposition format", async () => {
    const res = await simMetrics();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    const deployments = await servingDeployments();
    for (const d of deployments) {
      expect(text).toContain(
        `flightdeck_sim_requests_total{model="${d.model}",version="${d.version}",region="${d.region}",cluster="${d.cluster}",environment="${d.environment}",code="2xx"}`,
      );
    }
    expect(text).toContain("# TYPE flightdeck_sim_request_duration_seconds histogram");
  });

  it("is served only while the simulator is the platform, whatever the metrics source", async () => {
    const saved = {
      platform: process.env.FLIGHTDECK_PLATFORM,
      prometheus: process.env.PROMETHEUS_URL,
    };
    const restore = (name: "FLIGHTDECK_PLATFORM" | "PROMETHEUS_URL", value?: string) => {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    };
    try {
      // Metrics read from a Prometheus that scrapes the simulated fleet: still served.
      process.env.PROMETHEUS_URL = "http://127.0.0.1:9/";
      expect((await simMetrics()).status).toBe(200);
      for (const platform of ["kubernetes", "Simulator"]) {
        process.env.FLIGHTDECK_PLATFORM = platform;
        const res = await simMetrics();
        expect(res.status, `FLIGHTDECK_PLATFORM=${platform}`).toBe(404);
        expect(await res.text()).not.toContain("flightdeck_sim_");
      }
    } finally {
      restore("FLIGHTDECK_PLATFORM", saved.platform);
      restore("PROMETHEUS_URL", saved.prometheus);
    }
  });
});
