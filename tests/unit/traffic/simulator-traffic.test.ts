import { describe, expect, it } from "vitest";
import { regionRps } from "@/lib/platform/simulator/behaviour";
import { initialFleet, rolloutName } from "@/lib/platform/simulator/fleet";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import {
  MemoryFleetStore,
  SimulatorPlatform,
  servingDeploymentsOf,
} from "@/lib/platform/simulator/platform";
import {
  demandAt,
  dialsAt,
  isRouted,
  servedRps,
  withChange,
  type DialChange,
} from "@/lib/platform/simulator/traffic";
import { ConflictError, PlatformError } from "@/lib/platform/types";
import { smallTopology, T0 } from "../../support/platform/fleet-fixture";

const US = "us-east-1";
const EU = "eu-west-1";
const MODEL = "fraud-scorer";
const LLM = "assistant-llm-70b";

describe("simulated balancer: dial history", () => {
  const history: DialChange[] = [
    { at: 100, dials: { a: 50 } },
    { at: 200, dials: { a: 0 } },
    { at: 300, dials: { a: 100 } },
  ];

  it("keeps every region's traffic before the first change", () => {
    expect(dialsAt([], 1_000)).toEqual({});
    expect(dialsAt(history, 99)).toEqual({});
  });

  it("applies a change from its time on, until the next", () => {
    expect(dialsAt(history, 100)).toEqual({ a: 50 });
    expect(dialsAt(history, 199)).toEqual({ a: 50 });
    expect(dialsAt(history, 200)).toEqual({ a: 0 });
    expect(dialsAt(history, 299)).toEqual({ a: 0 });
    expect(dialsAt(history, 10_000)).toEqual({ a: 100 });
  });

  it("appends a change, replacing those at or after its time", () => {
    const change = { at: 200, dials: { a: 25 } };
    expect(withChange(history, change)).toEqual([history[0], change]);
    expect(withChange(history, { at: 400, dials: { a: 1 } })).toEqual([
      ...history,
      { at: 400, dials: { a: 1 } },
    ]);
    expect(withChange([], change)).toEqual([change]);
  });

  it("does not change the history it is given", () => {
    const copy = structuredClone(history);
    withChange(history, { at: 150, dials: { a: 1 } });
    expect(history).toEqual(copy);
  });

  it("keeps at most the last 50 changes", () => {
    let h: DialChange[] = [];
    for (let i = 0; i < 60; i++) h = withChange(h, { at: i * 1_000, dials: { a: i } });
    expect(h).toHaveLength(50);
    expect(h[0]).toEqual({ at: 10_000, dials: { a: 10 } });
    expect(h.at(-1)).toEqual({ at: 59_000, dials: { a: 59 } });
    expect(dialsAt(h, 59_500)).toEqual({ a: 59 });
    expect(dialsAt(h, 30_500)).toEqual({ a: 30 });
  });

  it("tells whether some region ever kept less than all of its traffic", () => {
    expect(isRouted(undefined)).toBe(false);
    expect(isRouted([])).toBe(false);
    expect(isRouted([{ at: 1, dials: { a: 100, b: 100 } }])).toBe(false);
    expect(isRouted([{ at: 1, dials: { a: 100, b: 99 } }])).toBe(true);
    expect(
      isRouted([
        { at: 1, dials: { a: 0 } },
        { at: 2, dials: { a: 100 } },
      ]),
    ).toBe(true);
  });
});

describe("simulated balancer: served traffic", () => {
  const t = T0 + 3 * 3_600_000;
  const regions = [US, EU];

  it("takes each region's demand from its users", () => {
    expect(demandAt(MODEL, regions, t)).toEqual({
      [US]: regionRps(MODEL, US, t),
      [EU]: regionRps(MODEL, EU, t),
    });
    expect(demandAt(MODEL, [], t)).toEqual({});
  });

  it("serves each region's own traffic while no dial moved", () => {
    const own = regionRps(MODEL, US, t);
    expect(own).toBeGreaterThan(0);
    expect(servedRps(MODEL, US, undefined, t)).toBe(own);
    expect(servedRps(MODEL, US, { regions, history: [] }, t)).toBe(own);
    expect(servedRps(MODEL, US, { regions, history: [{ at: t - 1, dials: {} }] }, t)).toBe(own);
    expect(
      servedRps(
        MODEL,
        US,
        { regions, history: [{ at: t - 1, dials: { [US]: 100, [EU]: 100 } }] },
        t,
      ),
    ).toBe(own);
    // a change not yet in force
    expect(servedRps(MODEL, US, { regions, history: [{ at: t + 1, dials: { [US]: 0 } }] }, t)).toBe(
      own,
    );
  });

  it("routes a drained region's traffic to the others, conserving it", () => {
    const routing = { regions, history: [{ at: t - 1, dials: { [US]: 0, [EU]: 100 } }] };
    const total = regionRps(MODEL, US, t) + regionRps(MODEL, EU, t);
    expect(servedRps(MODEL, US, routing, t)).toBe(0);
    expect(servedRps(MODEL, EU, routing, t)).toBeCloseTo(total, 9);
    // after an undrain, as before
    const back = {
      regions,
      history: [...routing.history, { at: t, dials: { [US]: 100, [EU]: 100 } }],
    };
    expect(servedRps(MODEL, US, back, t)).toBe(regionRps(MODEL, US, t));
    expect(servedRps(MODEL, US, back, t - 1)).toBe(0);
  });

  it("serves nothing in a region outside the routed regions", () => {
    const routing = { regions, history: [{ at: t - 1, dials: { [US]: 0 } }] };
    expect(servedRps(MODEL, "ap-southeast-1", routing, t)).toBe(0);
  });
});

describe("SimulatorPlatform: dials and autoscaler bounds", () => {
  const NOW = T0 + 60_000;
  const setup = () => {
    const store = new MemoryFleetStore(initialFleet(7, smallTopology(), T0));
    const platform = new SimulatorPlatform({ store, now: () => NOW });
    const metrics = new SimulatorMetrics({
      seed: 7,
      deployments: async (selector) => servingDeploymentsOf(await store.load(), selector),
      now: () => NOW,
    });
    const rate = async (region: string) => {
      const samples = await metrics.instant(
        "request_rate",
        { model: MODEL, environment: "production", region },
        new Date(NOW),
      );
      expect(samples).toHaveLength(1);
      return samples[0]?.value ?? Number.NaN;
    };
    const hpa = async (cluster: string, model = MODEL) => {
      const found = (await platform.autoscalers()).data.find(
        (h) => h.cluster === cluster && h.target === rolloutName(model, "production"),
      );
      if (!found) throw new Error(`no autoscaler for ${model} in ${cluster}`);
      return found;
    };
    return { store, platform, rate, hpa };
  };

  it("reads every production model's dials, all 100, at version 0, with each region's demand", async () => {
    const { platform } = setup();
    const { data, errors } = await platform.dials();
    expect(errors).toEqual([]);
    expect(data.map((d) => d.model)).toEqual([LLM, MODEL]);
    for (const d of data) {
      expect(d.dials).toEqual({ [EU]: 100, [US]: 100 });
      expect(d.resourceVersion).toBe("0");
      expect(d.demandRps).toEqual({
        [US]: regionRps(d.model, US, NOW),
        [EU]: regionRps(d.model, EU, NOW),
      });
    }
  });

  it("sets dials conditionally on the version read, filling omitted regions with 100", async () => {
    const { platform } = setup();
    expect(await platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0 })).toEqual({
      resourceVersion: "1",
    });
    const after = (await platform.dials()).data.find((d) => d.model === MODEL);
    expect(after?.dials).toEqual({ [EU]: 100, [US]: 0 });
    expect(after?.resourceVersion).toBe("1");
    // the other model is untouched
    const other = (await platform.dials()).data.find((d) => d.model === LLM);
    expect(other).toMatchObject({ dials: { [EU]: 100, [US]: 100 }, resourceVersion: "0" });

    expect(
      await platform.setDials({ model: MODEL, resourceVersion: "1" }, { [US]: 50, [EU]: 100 }),
    ).toEqual({ resourceVersion: "2" });
    expect((await platform.dials()).data.find((d) => d.model === MODEL)?.dials).toEqual({
      [EU]: 100,
      [US]: 50,
    });
  });

  it("fails with ConflictError on a stale version, changing nothing", async () => {
    const { platform, store } = setup();
    await expect(
      platform.setDials({ model: MODEL, resourceVersion: "3" }, { [US]: 0 }),
    ).rejects.toMatchObject({ expectedVersion: "3", actualVersion: "0" });
    await platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 25 });
    const stale = await platform
      .setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0 })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale).toMatchObject({
      resource: `traffic dials of ${MODEL}`,
      expectedVersion: "0",
      actualVersion: "1",
    });
    const t = (await store.load()).traffic?.find((x) => x.model === MODEL);
    expect(t?.resourceVersion).toBe(1);
    expect(t?.history.map((c) => c.dials)).toEqual([{ [EU]: 100, [US]: 25 }]);
  });

  it("refuses dials outside 0 to 100, whole or not a number", async () => {
    const { platform } = setup();
    for (const d of [-1, 100.5, 101, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await platform
        .setDials({ model: MODEL, resourceVersion: "0" }, { [US]: d })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformError);
      expect((error as Error).message).toBe(`set dials: dial of ${US} must be 0 to 100, not ${d}`);
    }
    expect((await platform.dials()).data.find((d) => d.model === MODEL)?.resourceVersion).toBe("0");
  });

  it("refuses regions the model does not serve in production, and models that serve none", async () => {
    const { platform } = setup();
    await expect(
      platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0, "ap-southeast-1": 0 }),
    ).rejects.toThrow(
      new PlatformError("set dials", `${MODEL} does not serve production in ap-southeast-1`),
    );
    await expect(
      platform.setDials({ model: "no-such-model", resourceVersion: "0" }, {}),
    ).rejects.toThrow(new PlatformError("set dials", "no-such-model serves no production traffic"));
    expect((await platform.dials()).data.find((d) => d.model === MODEL)?.resourceVersion).toBe("0");
  });

  it("moves served traffic: a drained region serves nothing, the other serves both", async () => {
    const { platform, rate } = setup();
    const [usBefore, euBefore] = [await rate(US), await rate(EU)];
    expect(usBefore).toBeGreaterThan(0);
    expect(euBefore).toBeGreaterThan(0);
    await platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0 });
    expect(await rate(US)).toBe(0);
    const grow =
      (regionRps(MODEL, US, NOW) + regionRps(MODEL, EU, NOW)) / regionRps(MODEL, EU, NOW);
    expect((await rate(EU)) / euBefore).toBeCloseTo(grow, 9);
  });

  it("serves each region's own traffic again once the dials are back at 100", async () => {
    const { platform, rate } = setup();
    const [usBefore, euBefore] = [await rate(US), await rate(EU)];
    await platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0 });
    await platform.setDials({ model: MODEL, resourceVersion: "1" }, { [US]: 100, [EU]: 100 });
    expect(await rate(US)).toBeCloseTo(usBefore, 9);
    expect(await rate(EU)).toBeCloseTo(euBefore, 9);
  });

  it("lets the receiving region's autoscaler see the new load at once", async () => {
    const { platform, hpa } = setup();
    const before = await hpa(`${EU}-serve`);
    await platform.setDials({ model: MODEL, resourceVersion: "0" }, { [US]: 0 });
    const after = await hpa(`${EU}-serve`);
    expect(after.desired).toBeGreaterThan(before.desired);
    expect(after.desired).toBeLessThanOrEqual(after.max);
    expect(after.current).toBeGreaterThanOrEqual(after.desired);
  });

  it("sets autoscaler bounds, raising the current replicas to a new minimum at once", async () => {
    const { platform, hpa } = setup();
    const key = {
      cluster: `${EU}-serve`,
      namespace: "search-serving",
      target: rolloutName(MODEL, "production"),
    };
    const before = await hpa(key.cluster);
    expect(before).toMatchObject({ min: 2, max: 10 });
    expect(before.current).toBeLessThan(8);
    await platform.setAutoscalerBounds(key, { min: 2, max: 10 }, { min: 8, max: 12 });
    const after = await hpa(key.cluster);
    expect(after).toMatchObject({ min: 8, max: 12, current: 8 });
    expect(after.desired).toBeGreaterThanOrEqual(8);
    // the other region's autoscaler is untouched
    expect(await hpa(`${US}-serve`)).toMatchObject({ min: 2, max: 10 });
  });

  it("waits for scale-down on a lowered minimum but caps the replicas at a lowered maximum", async () => {
    const { platform, hpa } = setup();
    const key = {
      cluster: `${EU}-serve`,
      namespace: "search-serving",
      target: rolloutName(MODEL, "production"),
    };
    await platform.setAutoscalerBounds(key, { min: 2, max: 10 }, { min: 8, max: 12 });
    await platform.setAutoscalerBounds(key, { min: 8, max: 12 }, { min: 1, max: 12 });
    expect(await hpa(key.cluster)).toMatchObject({ min: 1, max: 12, current: 8 });
    await platform.setAutoscalerBounds(key, { min: 1, max: 12 }, { min: 1, max: 3 });
    const capped = await hpa(key.cluster);
    expect(capped).toMatchObject({ min: 1, max: 3, current: 3 });
    expect(capped.desired).toBeLessThanOrEqual(3);
  });

  it("fails with ConflictError when the bounds changed since they were read", async () => {
    const { platform, hpa } = setup();
    const key = {
      cluster: `${EU}-serve`,
      namespace: "search-serving",
      target: rolloutName(MODEL, "production"),
    };
    await platform.setAutoscalerBounds(key, { min: 2, max: 10 }, { min: 4, max: 10 });
    const error = await platform
      .setAutoscalerBounds(key, { min: 2, max: 10 }, { min: 6, max: 14 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      resource: `autoscaler search-serving/${key.target}`,
      expectedVersion: "2-10",
      actualVersion: "4-10",
    });
    expect(await hpa(key.cluster)).toMatchObject({ min: 4, max: 10 });
    // a changed maximum alone conflicts too
    await expect(
      platform.setAutoscalerBounds(key, { min: 4, max: 11 }, { min: 4, max: 12 }),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it("refuses bounds that are not whole, a minimum under 1, a minimum over the maximum, and unknown autoscalers", async () => {
    const { platform, hpa } = setup();
    const key = {
      cluster: `${EU}-serve`,
      namespace: "search-serving",
      target: rolloutName(MODEL, "production"),
    };
    const expected = { min: 2, max: 10 };
    for (const bounds of [
      { min: 0, max: 10 },
      { min: 2.5, max: 10 },
      { min: 2, max: 10.5 },
      { min: Number.NaN, max: 10 },
    ]) {
      await expect(platform.setAutoscalerBounds(key, expected, bounds)).rejects.toThrow(
        "set autoscaler: bounds must be whole numbers, minimum at least 1",
      );
    }
    await expect(platform.setAutoscalerBounds(key, expected, { min: 11, max: 10 })).rejects.toThrow(
      "set autoscaler: minimum 11 is above maximum 10",
    );
    await expect(
      platform.setAutoscalerBounds({ ...key, cluster: `${US}-serve`, target: "nope" }, expected, {
        min: 2,
        max: 10,
      }),
    ).rejects.toThrow(`set autoscaler: no autoscaler for search-serving/nope in ${US}-serve`);
    await expect(
      platform.setAutoscalerBounds({ ...key, namespace: "assist-serving" }, expected, {
        min: 2,
        max: 10,
      }),
    ).rejects.toBeInstanceOf(PlatformError);
    expect(await hpa(key.cluster)).toMatchObject(expected);
  });
});
