import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, installClock } from "@/lib/clock";
import { PageReads } from "@/lib/platform/page-reads";
import { PlatformError, type InstantSample, type MetricsSource } from "@/lib/platform/types";

const time = new ManualClock(new Date("2026-12-04T12:00:00Z"));
beforeAll(() => installClock(time));
afterAll(() => installClock(null));

/** A metrics source that answers as told and counts the calls it gets. */
function source(answer: () => Promise<InstantSample[]>) {
  const calls = { n: 0 };
  const s: MetricsSource = {
    instant: () => {
      calls.n += 1;
      return answer();
    },
    range: () => Promise.resolve([]),
    sliCounts: () => Promise.resolve({ good: 0, total: 0 }),
    health: () => {
      calls.n += 1;
      return answer().then(() => ({
        adapter: "prometheus",
        status: "ok" as const,
        detail: "",
        checkedAt: time.now(),
      }));
    },
  };
  return { s, calls };
}
const sample: InstantSample = {
  labels: { model: "m", version: "1", region: "r", cluster: "c", environment: "production" },
  value: 1,
};
const options = { name: "Prometheus metrics", timeoutMs: 30, skipMs: 15_000 };

describe("PageReads", () => {
  it("answers what the source answers while it is healthy", async () => {
    const { s } = source(() => Promise.resolve([sample]));
    expect(await new PageReads(s, options).instant("request_rate", {})).toEqual([sample]);
  });

  it("gives up on a slow source at its timeout, then skips it without asking until the skip ends", async () => {
    let slow = true;
    const { s, calls } = source(() =>
      slow ? new Promise<InstantSample[]>(() => undefined) : Promise.resolve([sample]),
    );
    const pages = new PageReads(s, options);
    const started = performance.now();
    await expect(pages.instant("request_rate", {})).rejects.toThrow(/did not answer within 30 ms/);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls.n).toBe(1);

    // every page after it: refused at once with the reason, the source not asked
    time.advance(14_000);
    await expect(pages.instant("error_rate", {})).rejects.toThrow(PlatformError);
    await expect(pages.instant("error_rate", {})).rejects.toThrow(
      /Prometheus metrics is not answering \(request_rate did not answer within 30 ms\)/,
    );
    expect(calls.n).toBe(1);
    expect(pages.skipping()).not.toBeNull();

    // the skip ends: asked again, and a good answer clears it
    slow = false;
    time.advance(1_000);
    expect(pages.skipping()).toBeNull();
    expect(await pages.instant("request_rate", {})).toEqual([sample]);
    expect(calls.n).toBe(2);
  });

  it("treats an answer that makes no sense as a failure, and says when the source last answered", async () => {
    let garbage = false;
    const { s } = source(() =>
      garbage ? Promise.reject(new Error("unexpected token < in JSON")) : Promise.resolve([sample]),
    );
    const pages = new PageReads(s, options);
    await pages.instant("request_rate", {});
    time.advance(90_000);
    garbage = true;
    await expect(pages.instant("request_rate", {})).rejects.toThrow(/unexpected token/);
    time.advance(5_000);
    expect(pages.skipping()).toBe(
      "Prometheus metrics is not answering (unexpected token < in JSON); last answered 95 s ago",
    );
    const health = await pages.health();
    expect(health).toMatchObject({ status: "down", adapter: "Prometheus metrics" });
    expect(health.detail).toMatch(/not answering \(unexpected token/);
  });
});
