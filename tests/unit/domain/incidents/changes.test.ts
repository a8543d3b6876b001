import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHANGE_KINDS,
  DEFAULT_LOOKBACK_MINUTES,
  rankChanges,
  type ChangeCandidate,
  type IncidentScope,
} from "@/lib/domain/incidents/changes";
import type { IntervalVerdict } from "@/lib/domain/rollouts/analysis";

const DETECTED = new Date("2026-11-29T12:00:00Z");
const MIN = 60_000;
/** minutes relative to detection (negative: before) */
const m = (minutes: number) => new Date(DETECTED.getTime() + minutes * MIN);

const INCIDENT: IncidentScope = {
  detectedAt: DETECTED,
  models: ["ranker-xl"],
  regions: ["us-east-1"],
};

let seq = 0;
function change(over: Partial<ChangeCandidate> = {}): ChangeCandidate {
  seq += 1;
  return {
    id: `c${String(seq).padStart(3, "0")}`,
    kind: "rollout",
    model: "ranker-xl",
    region: "us-east-1",
    startedAt: m(-60),
    endedAt: m(-30),
    ...over,
  };
}

const ids = (r: { change: { id: string } }[]) => r.map((x) => x.change.id);

describe("rankChanges: overlap", () => {
  it("ranks model+region over model over region, and leaves out unrelated changes", () => {
    const timing = { startedAt: m(-60), endedAt: m(-30) };
    const both = change({ id: "both", ...timing });
    const model = change({ id: "model", region: "eu-west-1", ...timing });
    const region = change({ id: "region", model: "fraud-scorer", ...timing });
    const unrelated = change({ id: "unrelated", model: "fraud-scorer", region: "eu-west-1" });
    const ranked = rankChanges([unrelated, region, model, both], INCIDENT);
    expect(ids(ranked)).toEqual(["both", "model", "region"]);
    // 30 min before a 6 h window: proximity 30 × (1 − 30/360) = 27.5
    expect(ranked.map((r) => [r.overlap, r.score])).toEqual([
      ["model_and_region", 77.5],
      ["model", 62.5],
      ["region", 47.5],
    ]);
    expect(ranked.map((r) => r.why[0])).toEqual([
      "Same model (ranker-xl) and region (us-east-1) as the incident.",
      "Same model (ranker-xl), in eu-west-1, not us-east-1.",
      "Another model (fraud-scorer) in the same region (us-east-1).",
    ]);
  });

  it("a change in every region, or to every model, overlaps accordingly", () => {
    const ranked = rankChanges(
      [
        change({ id: "model-everywhere", region: null }),
        change({ id: "region-wide", kind: "config", model: null }),
        change({ id: "fleet-wide", kind: "config", model: null, region: null }),
        change({ id: "elsewhere", kind: "config", model: null, region: "eu-west-1" }),
        change({ id: "other-everywhere", model: "fraud-scorer", region: null }),
      ],
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.overlap, r.why[0]])).toEqual([
      [
        "model-everywhere",
        "model_and_region",
        "Changed ranker-xl in every region, including us-east-1.",
      ],
      // equal scores: by id
      ["fleet-wide", "region", "Changed every model in every region."],
      ["region-wide", "region", "Changed every model in us-east-1."],
    ]);
  });

  it("an incident with no region matches on the model only", () => {
    const ranked = rankChanges(
      [change({ id: "a" }), change({ id: "b", region: null }), change({ id: "c", model: "x" })],
      { ...INCIDENT, regions: [] },
    );
    expect(ranked.map((r) => [r.change.id, r.overlap])).toEqual([
      ["a", "model"],
      ["b", "model"],
    ]);
    expect(ranked[1]?.why[0]).toBe("Same model (ranker-xl); the incident names no region.");
  });

  it("matches any of several affected models and regions", () => {
    const ranked = rankChanges([change({ id: "a", model: "speech-asr", region: "eu-west-1" })], {
      detectedAt: DETECTED,
      models: ["ranker-xl", "speech-asr"],
      regions: ["us-east-1", "eu-west-1"],
    });
    expect(ranked.map((r) => r.overlap)).toEqual(["model_and_region"]);
  });
});

describe("rankChanges: the lookback window", () => {
  it("includes changes in progress at any moment of the window, boundaries included", () => {
    const ranked = rankChanges(
      [
        change({ id: "ended-at-edge", startedAt: m(-400), endedAt: m(-360) }),
        change({ id: "ended-before-edge", startedAt: m(-400), endedAt: m(-360.01) }),
        change({ id: "started-at-detection", startedAt: m(0), endedAt: null }),
        change({ id: "started-after", startedAt: m(0.01), endedAt: null }),
        change({ id: "running-for-days", startedAt: m(-3 * 24 * 60), endedAt: null }),
        change({ id: "ended-after-detection", startedAt: m(-10), endedAt: m(20) }),
      ],
      INCIDENT,
    );
    expect(ids(ranked)).toEqual([
      "started-at-detection",
      "ended-after-detection",
      "running-for-days",
      "ended-at-edge",
    ]);
    expect(ranked.find((r) => r.change.id === "ended-at-edge")).toMatchObject({
      score: 50,
      activeAtDetection: false,
      minutesBeforeDetection: 360,
    });
    expect(ranked.filter((r) => r.activeAtDetection).map((r) => r.score)).toEqual([80, 80, 80]);
  });

  it("takes a different lookback and refuses a meaningless one", () => {
    const old = change({ id: "old", startedAt: m(-200), endedAt: m(-90) });
    expect(rankChanges([old], INCIDENT, { lookbackMinutes: 60 })).toEqual([]);
    expect(rankChanges([old], INCIDENT, { lookbackMinutes: 90 })[0]?.score).toBe(50);
    expect(rankChanges([old], INCIDENT, { lookbackMinutes: 180 })[0]?.score).toBe(65);
    expect(DEFAULT_LOOKBACK_MINUTES).toBe(360);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => rankChanges([], INCIDENT, { lookbackMinutes: bad })).toThrow(RangeError);
    }
    expect(() => rankChanges([], { ...INCIDENT, detectedAt: new Date(Number.NaN) })).toThrow(
      RangeError,
    );
  });

  it("skips changes with invalid dates and treats an end before the start as an instant", () => {
    const ranked = rankChanges(
      [
        change({ id: "nan", startedAt: new Date(Number.NaN) }),
        change({ id: "nan-end", endedAt: new Date(Number.NaN) }),
        change({ id: "reversed", startedAt: m(-60), endedAt: m(-120) }),
      ],
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.minutesBeforeDetection])).toEqual([["reversed", 60]]);
  });
});

describe("rankChanges: proximity and evidence", () => {
  it("closer to detection scores higher; still running scores highest", () => {
    const ranked = rankChanges(
      [
        change({ id: "3h", startedAt: m(-200), endedAt: m(-180) }),
        change({ id: "running", startedAt: m(-300), endedAt: null }),
        change({ id: "10min", startedAt: m(-20), endedAt: m(-10) }),
      ],
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.score])).toEqual([
      ["running", 80],
      ["10min", 79.2],
      ["3h", 65],
    ]);
    expect(ranked.map((r) => r.why[1])).toEqual([
      "The rollout was still in progress at detection (started 5 h before).",
      "The rollout ended 10 min before detection.",
      "The rollout ended 3 h before detection.",
    ]);
  });

  it("a failed or marginal canary verdict boosts; pass and inconclusive are only mentioned", () => {
    const ranked = rankChanges(
      (["pass", "fail", "inconclusive", "marginal"] as const).map((verdict) =>
        change({ id: verdict, verdict }),
      ),
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.score, r.why[2]])).toEqual([
      ["fail", 97.5, "Its canary analysis failed."],
      ["marginal", 87.5, "Its canary analysis was marginal."],
      ["inconclusive", 77.5, "Its canary analysis was inconclusive."],
      ["pass", 77.5, "Its canary analysis passed."],
    ]);
  });

  it("a chaos experiment running in the region outranks a rollout of the model hours ago", () => {
    const ranked = rankChanges(
      [
        change({ id: "rollout", startedAt: m(-320), endedAt: m(-300) }),
        change({ id: "chaos", kind: "chaos", model: null, startedAt: m(-15), endedAt: null }),
      ],
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.score])).toEqual([
      ["chaos", 65],
      ["rollout", 55],
    ]);
    expect(ranked[0]?.why).toEqual([
      "Changed every model in us-east-1.",
      "The chaos experiment was still in progress at detection (started 15 min before).",
      "A chaos experiment injects faults on purpose.",
    ]);
  });

  it("caps the score at 100", () => {
    const [r] = rankChanges([change({ kind: "chaos", endedAt: null, verdict: "fail" })], INCIDENT);
    expect(r?.score).toBe(100);
  });

  it("describes a change made at one instant", () => {
    const [r] = rankChanges(
      [change({ kind: "config", startedAt: m(-95), endedAt: m(-95) })],
      INCIDENT,
    );
    expect(r?.why[1]).toBe("The config change was made 1 h 35 min before detection.");
    const [soon] = rankChanges(
      [change({ kind: "promotion", startedAt: m(-0.5), endedAt: m(-0.5) })],
      INCIDENT,
    );
    expect(soon?.why[1]).toBe("The promotion was made less than a minute before detection.");
  });
});

describe("rankChanges: ties", () => {
  it("breaks equal scores by overlap, then nearness, then later start, then id", () => {
    // model+region ended 3 h ago: 50 + 15 = 65; model-only running: 35 + 30 = 65
    const ranked = rankChanges(
      [
        change({ id: "model-running", region: "eu-west-1", startedAt: m(-30), endedAt: null }),
        change({ id: "both-3h", startedAt: m(-190), endedAt: m(-180) }),
      ],
      INCIDENT,
    );
    expect(ranked.map((r) => [r.change.id, r.score])).toEqual([
      ["both-3h", 65],
      ["model-running", 65],
    ]);
    const same = { startedAt: m(-60), endedAt: m(-30) };
    const twins = [
      change({ id: "b", ...same }),
      change({ id: "a", ...same }),
      change({ id: "later-start", startedAt: m(-40), endedAt: m(-30) }),
      change({ id: "nearer", startedAt: m(-60), endedAt: m(-29.999) }),
    ];
    // "nearer" rounds to the same score but ended closer to detection
    expect(new Set(rankChanges(twins, INCIDENT).map((r) => r.score))).toEqual(new Set([77.5]));
    expect(ids(rankChanges(twins, INCIDENT))).toEqual(["nearer", "later-start", "a", "b"]);
  });

  it("keeps the caller's extra fields on each change", () => {
    const rich = { ...change(), title: "ranker-xl 2.3.0 → 2.4.0", href: "/rollouts/r1" };
    expect(rankChanges([rich], INCIDENT)[0]?.change.title).toBe("ranker-xl 2.3.0 → 2.4.0");
  });
});

describe("rankChanges: properties", () => {
  const models = ["ranker-xl", "speech-asr", "fraud-scorer"];
  const regions = ["us-east-1", "eu-west-1", "ap-southeast-1"];
  const arbChanges = fc
    .uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 4 }),
        kind: fc.constantFrom(...CHANGE_KINDS),
        model: fc.option(fc.constantFrom(...models), { nil: null }),
        region: fc.option(fc.constantFrom(...regions), { nil: null }),
        start: fc.integer({ min: -900, max: 60 }),
        length: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }),
        verdict: fc.option(
          fc.constantFrom<IntervalVerdict>("pass", "marginal", "fail", "inconclusive"),
          {
            nil: undefined,
          },
        ),
      }),
      { selector: (c) => c.id, maxLength: 30 },
    )
    .map((list) =>
      list.map((c): ChangeCandidate => ({
        id: c.id,
        kind: c.kind,
        model: c.model,
        region: c.region,
        startedAt: m(c.start),
        endedAt: c.length === null ? null : m(c.start + c.length),
        ...(c.verdict ? { verdict: c.verdict } : {}),
      })),
    );
  const arbIncident = fc.record({
    models: fc.subarray(models),
    regions: fc.subarray(regions),
  });

  /** Eligibility written independently of the implementation. */
  function eligible(c: ChangeCandidate, inc: IncidentScope): boolean {
    const start = c.startedAt.getTime();
    const end = c.endedAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const inTime = start <= DETECTED.getTime() && end >= DETECTED.getTime() - 360 * MIN;
    const modelHit = c.model !== null && inc.models.includes(c.model);
    // a change everywhere overlaps a region only when it touched every model there
    const regionHit = c.region === null ? c.model === null : inc.regions.includes(c.region);
    return inTime && (modelHit || regionHit);
  }

  it("returns a permutation of the eligible changes, sorted by score, each in 0..100", () => {
    fc.assert(
      fc.property(arbChanges, arbIncident, (changes, scope) => {
        const inc = { detectedAt: DETECTED, ...scope };
        const ranked = rankChanges(changes, inc);
        expect([...ids(ranked)].sort()).toEqual(
          changes
            .filter((c) => eligible(c, inc))
            .map((c) => c.id)
            .sort(),
        );
        for (let i = 1; i < ranked.length; i++) {
          expect(ranked[i]!.score).toBeLessThanOrEqual(ranked[i - 1]!.score);
        }
        for (const r of ranked) {
          expect(r.score).toBeGreaterThanOrEqual(20);
          expect(r.score).toBeLessThanOrEqual(100);
          expect(r.why.length).toBeGreaterThanOrEqual(2);
        }
      }),
    );
  });

  it("does not depend on the order of its input", () => {
    fc.assert(
      fc.property(
        arbChanges.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
        ),
        arbIncident,
        ([list, shuffled], scope) => {
          const inc = { detectedAt: DETECTED, ...scope };
          expect(ids(rankChanges(shuffled, inc))).toEqual(ids(rankChanges(list, inc)));
        },
      ),
    );
  });
});
