import { describe, expect, it } from "vitest";
import { dialOf, globalShares, routeTraffic } from "@/lib/domain/traffic/routing";

const sum = (xs: Record<string, number>) => Object.values(xs).reduce((s, v) => s + v, 0);

describe("dialOf", () => {
  it("reads a region's dial as given", () => {
    expect(dialOf({ a: 42 }, "a")).toBe(42);
    expect(dialOf({ a: 0 }, "a")).toBe(0);
    expect(dialOf({ a: 100 }, "a")).toBe(100);
  });

  it("lets a region absent from the dials keep all of its traffic", () => {
    expect(dialOf({}, "a")).toBe(100);
    expect(dialOf({ b: 0 }, "a")).toBe(100);
  });

  it("treats a dial that is not a finite number as 100", () => {
    expect(dialOf({ a: Number.NaN }, "a")).toBe(100);
    expect(dialOf({ a: Number.POSITIVE_INFINITY }, "a")).toBe(100);
    expect(dialOf({ a: Number.NEGATIVE_INFINITY }, "a")).toBe(100);
  });

  it("clamps a dial to 0..100", () => {
    expect(dialOf({ a: 150 }, "a")).toBe(100);
    expect(dialOf({ a: -5 }, "a")).toBe(0);
  });
});

describe("routeTraffic", () => {
  it("serves each region's own demand when every dial is 100", () => {
    const demand = { a: 100, b: 300, c: 50 };
    expect(routeTraffic(demand, { a: 100, b: 100, c: 100 })).toEqual({
      served: demand,
      unserved: 0,
    });
  });

  it("serves each region's own demand when no dial is given", () => {
    const demand = { a: 100, b: 300 };
    expect(routeTraffic(demand, {})).toEqual({ served: demand, unserved: 0 });
  });

  it("spills a drained region's demand in proportion to what the others keep", () => {
    const r = routeTraffic({ a: 100, b: 300, c: 100 }, { a: 0 });
    expect(r.unserved).toBe(0);
    expect(r.served.a).toBe(0);
    expect(r.served.b).toBeCloseTo(375, 9);
    expect(r.served.c).toBeCloseTo(125, 9);
  });

  it("makes a larger region absorb more of the spill", () => {
    const r = routeTraffic({ a: 200, b: 400, c: 100 }, { a: 0 });
    const absorbedB = (r.served.b ?? 0) - 400;
    const absorbedC = (r.served.c ?? 0) - 100;
    expect(absorbedB).toBeCloseTo(160, 9);
    expect(absorbedC).toBeCloseTo(40, 9);
    expect(absorbedB / absorbedC).toBeCloseTo(4, 9);
  });

  it("routes partial dials: each region serves at least what it keeps, the spill goes to the open ones", () => {
    const demand = { a: 100, b: 200, c: 200 };
    const r = routeTraffic(demand, { a: 50, b: 100, c: 25 });
    expect(r.unserved).toBe(0);
    expect(r.served.a).toBeGreaterThanOrEqual(50);
    expect(r.served.a).toBeLessThan(100);
    expect(r.served.c).toBeGreaterThanOrEqual(50);
    expect(r.served.c).toBeLessThan(200);
    expect(r.served.b).toBeGreaterThan(200);
    expect(sum(r.served)).toBeCloseTo(500, 9);
  });

  it("serves less in a region whose dial is lower, other things equal", () => {
    const demand = { a: 100, b: 100 };
    const at = (dial: number) => routeTraffic(demand, { a: dial }).served.a ?? 0;
    expect(at(100)).toBeGreaterThan(at(75));
    expect(at(75)).toBeGreaterThan(at(25));
    expect(at(25)).toBeGreaterThan(at(0));
    expect(at(0)).toBe(0);
  });

  it("leaves the traffic unserved when every region is drained", () => {
    const r = routeTraffic({ a: 100, b: 50 }, { a: 0, b: 0 });
    expect(r.served).toEqual({ a: 0, b: 0 });
    expect(r.unserved).toBe(150);
  });

  it("keeps a full region's demand exactly, so rounding never leaves a draining region's traffic unserved", () => {
    // 2.6027…×100/100 rounds below 2.6027…: a full region once "spilled" 4e-16 req/s that,
    // with the other region drained, counted as unserved and made a drain plan impossible.
    const x = 2.6027397260273974;
    for (const demand of [x, 3.9726027397260273, 5.205479452054795]) {
      const r = routeTraffic({ east: 7.5, west: demand }, { east: 0, west: 100 });
      expect(r.unserved).toBe(0);
      expect(r.served.west).toBeCloseTo(7.5 + demand, 12);
      expect(routeTraffic({ west: demand }, { west: 100 }).served.west).toBe(demand);
    }
  });

  it("sends everything to an open region with no demand of its own", () => {
    const r = routeTraffic({ a: 100, b: 0 }, { a: 0, b: 100 });
    expect(r).toEqual({ served: { a: 0, b: 100 }, unserved: 0 });
  });

  it("splits the spill evenly between open regions that have no demand of their own", () => {
    const r = routeTraffic({ a: 90, b: 0, c: 0 }, { a: 0, b: 100, c: 30 });
    expect(r).toEqual({ served: { a: 0, b: 45, c: 45 }, unserved: 0 });
  });

  it("clamps invalid dials: NaN keeps all, over 100 keeps all, under 0 drains", () => {
    const demand = { a: 100, b: 100, c: 100 };
    expect(routeTraffic(demand, { a: Number.NaN, b: 250, c: -10 })).toEqual(
      routeTraffic(demand, { a: 100, b: 100, c: 0 }),
    );
    const r = routeTraffic(demand, { a: Number.NaN, b: 250, c: -10 });
    expect(r.served.c).toBe(0);
    expect(r.served.a).toBeCloseTo(150, 9);
    expect(r.served.b).toBeCloseTo(150, 9);
  });

  it("treats negative demand as none", () => {
    const r = routeTraffic({ a: -50, b: 100 }, { b: 0 });
    expect(r.served.b).toBe(0);
    expect(r.served.a).toBe(100);
    expect(r.unserved).toBe(0);
  });

  it("routes zero demand to zero everywhere", () => {
    expect(routeTraffic({ a: 0, b: 0 }, { a: 50 })).toEqual({
      served: { a: 0, b: 0 },
      unserved: 0,
    });
    expect(routeTraffic({ a: 0, b: 0 }, { a: 0, b: 0 })).toEqual({
      served: { a: 0, b: 0 },
      unserved: 0,
    });
    expect(routeTraffic({}, {})).toEqual({ served: {}, unserved: 0 });
  });

  it("ignores dials of regions without demand entries", () => {
    const r = routeTraffic({ a: 100 }, { z: 0 });
    expect(r).toEqual({ served: { a: 100 }, unserved: 0 });
  });

  it("conserves traffic: served plus unserved is the total demand", () => {
    const demand = { a: 120, b: 330, c: 7, d: 0 };
    const cases: Record<string, number>[] = [
      {},
      { a: 0 },
      { a: 0, b: 0 },
      { a: 0, b: 0, c: 0, d: 0 },
      { a: 0, b: 0, c: 0 },
      { a: 33, b: 66, c: 12.5 },
      { a: 1, b: 1, c: 1, d: 1 },
      { a: Number.NaN, b: -3, c: 400 },
    ];
    for (const dials of cases) {
      const r = routeTraffic(demand, dials);
      expect(sum(r.served) + r.unserved).toBeCloseTo(457, 9);
      for (const v of Object.values(r.served)) expect(v).toBeGreaterThanOrEqual(0);
      expect(r.unserved).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("globalShares", () => {
  it("gives each region its share of the served traffic", () => {
    const shares = globalShares(routeTraffic({ a: 100, b: 300 }, {}));
    expect(shares).toEqual({ a: 0.25, b: 0.75 });
  });

  it("counts unserved traffic in the total", () => {
    expect(globalShares({ served: { a: 50, b: 0 }, unserved: 50 })).toEqual({ a: 0.5, b: 0 });
    expect(globalShares(routeTraffic({ a: 10, b: 10 }, { a: 0, b: 0 }))).toEqual({ a: 0, b: 0 });
  });

  it("gives zero shares when nothing is served", () => {
    expect(globalShares({ served: { a: 0, b: 0 }, unserved: 0 })).toEqual({ a: 0, b: 0 });
  });

  it("sums to 1 when everything is served", () => {
    const shares = globalShares(routeTraffic({ a: 17, b: 29, c: 3 }, { a: 10, c: 0 }));
    expect(sum(shares)).toBeCloseTo(1, 12);
    expect(shares.c).toBe(0);
  });
});

describe("a partial dial moves exactly its share away", () => {
  it("sends a quarter of a region's users elsewhere at dial 75, none back to itself", () => {
    const { served } = routeTraffic({ us: 100, eu: 100 }, { us: 75 });
    expect(served.us).toBeCloseTo(75, 9);
    expect(served.eu).toBeCloseTo(125, 9);
  });

  it("moves each step's share at every dial of a stepped drain", () => {
    for (const dial of [75, 50, 25, 0]) {
      const { served } = routeTraffic({ us: 100, eu: 60, ap: 40 }, { us: dial });
      expect(served.us).toBeCloseTo(dial, 9);
      // the rest goes to eu and ap in proportion to what they keep (60:40)
      expect(served.eu).toBeCloseTo(60 + ((100 - dial) * 60) / 100, 9);
      expect(served.ap).toBeCloseTo(40 + ((100 - dial) * 40) / 100, 9);
    }
  });

  it("spills two partly drained regions into each other and the third", () => {
    const { served, unserved } = routeTraffic({ a: 100, b: 100, c: 100 }, { a: 50, b: 50 });
    expect(unserved).toBe(0);
    // a keeps 50 and spills 50 over b (50) and c (100): 50/150 and 100/150 of it
    expect(served.a).toBeCloseTo(50 + (50 * 50) / 150, 9);
    expect(served.b).toBeCloseTo(50 + (50 * 50) / 150, 9);
    expect(served.c).toBeCloseTo(100 + (50 * 100) / 150 + (50 * 100) / 150, 9);
    expect(sum(served)).toBeCloseTo(300, 9);
  });
});
